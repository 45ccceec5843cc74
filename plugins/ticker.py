#!/usr/bin/env python3
# ticker.py: emits `tick` with [n] (n = 1, 2, ...) every --interval ms
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Starts ticking once the engine's handshake has arrived; answers `ping`.
# Standard library only; exits when the engine closes the channel.

import argparse
import json
import os
import selectors
import socket
import sys
import time


def send(sock, message):
    sock.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")


def respond(sock, request, **fields):
    message = {k: request[k] for k in ("name", "key", "id") if k in request}
    message["action"] = "response"
    message.update(fields)
    send(sock, message)


def main():
    parser = argparse.ArgumentParser(description="plugctl ticker plugin")
    parser.add_argument("--interval", type=int, default=200,
                        help="milliseconds between two ticks (default 200)")
    options = parser.parse_args()
    if options.interval <= 0:
        parser.error("--interval must be a positive number of milliseconds")

    value = os.environ.get("NODE_CHANNEL_FD")
    if not value or not value.isdigit():
        sys.stderr.write("NODE_CHANNEL_FD is not set: this program is a plugctl plugin "
                         "and must be started by plugctl\n")
        return 1

    sock = socket.socket(fileno=int(value))
    sock.setblocking(True)
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    interval = options.interval / 1000.0
    buffer = b""
    activated = False
    count = 0
    next_tick = None

    try:
        while True:
            timeout = None if next_tick is None else max(0.0, next_tick - time.monotonic())
            if selector.select(timeout):
                chunk = sock.recv(65536)
                if not chunk:
                    return 0
                *lines, buffer = (buffer + chunk).split(b"\n")
                for line in lines:
                    try:
                        message = json.loads(line)
                    except ValueError:
                        continue
                    if not isinstance(message, dict) or message.get("action") not in ("request", "call"):
                        continue
                    if message.get("key") == "handshake":
                        respond(sock, message, payload=["ping"])
                        if not activated:
                            activated = True
                            next_tick = time.monotonic() + interval
                    elif not activated:
                        respond(sock, message, error="Handshake before communicating")
                    elif message.get("key") == "ping":
                        respond(sock, message, payload="pong")
                    else:
                        respond(sock, message, error="Method %s doesn't exist on plugin %s"
                                % (message.get("key"), message.get("name")))
            if next_tick is not None and time.monotonic() >= next_tick:
                count += 1
                send(sock, {"action": "emit", "key": "tick", "payload": [count]})
                next_tick += interval
    except (BrokenPipeError, ConnectionResetError):
        return 0


if __name__ == "__main__":
    sys.exit(main())
