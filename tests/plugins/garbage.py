#!/usr/bin/env python3
# garbage.py: a test plugin that writes broken messages, then works
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Right after answering the first handshake it writes, in this order: a line
# that is not JSON, a JSON array, a message whose "id" is a string, and a
# line of 100 NUL bytes. Then it serves `ping` like any plugin.

import json
import os
import socket
import sys

GARBAGE = [
    b"this is not JSON",
    b"[1,2,3]",
    b'{"action":"response","name":"garbage","key":"ping","id":"x","payload":"pong"}',
    b"\0" * 100,
]


def main():
    sock = socket.socket(fileno=int(os.environ["NODE_CHANNEL_FD"]))
    sock.setblocking(True)
    reader = sock.makefile("rb")
    activated = False

    def send(message):
        sock.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    for line in reader:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or message.get("action") not in ("request", "call"):
            continue
        reply = {k: message[k] for k in ("name", "key", "id") if k in message}
        reply["action"] = "response"
        if message.get("key") == "handshake":
            reply["payload"] = ["ping"]
            send(reply)
            if not activated:
                activated = True
                for line_out in GARBAGE:
                    sock.sendall(line_out + b"\n")
        elif message.get("key") == "ping":
            reply["payload"] = "pong"
            send(reply)
        else:
            reply["error"] = "Method %s doesn't exist on plugin %s" % (message.get("key"), message.get("name"))
            send(reply)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BrokenPipeError, ConnectionResetError):
        sys.exit(0)
