#!/usr/bin/env python3
# installed-manifest.py INPUT OUTPUT DIR FILE...: writes the manifest INPUT
# to OUTPUT as it is installed: its `command`, `module`, `library` and
# `args` that name one of the FILEs, which are installed in DIR, become
# their absolute paths there. Nothing else changes.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import sys


def main():
    source, output, directory, *shipped = sys.argv[1:]

    def installed(value):
        if isinstance(value, str):
            name = value[2:] if value.startswith("./") else value
            if name in shipped:
                return os.path.join(directory, name)
        return value

    with open(source, encoding="utf-8") as f:
        manifest = json.load(f)

    for field in ("command", "module", "library"):
        if field in manifest:
            manifest[field] = installed(manifest[field])
    if isinstance(manifest.get("args"), list):
        manifest["args"] = [installed(arg) for arg in manifest["args"]]

    with open(output, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
