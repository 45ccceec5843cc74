#!/usr/bin/env python3
# silent.py: a test plugin that never answers the handshake
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Reads (and ignores) every message until the engine closes the channel or
# kills it when its start timeout expires.

import os
import sys

fd = int(os.environ["NODE_CHANNEL_FD"])
os.set_blocking(fd, True)
with os.fdopen(fd, "rb") as channel:
    for _ in channel:
        pass
sys.exit(0)
