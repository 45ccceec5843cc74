#!/usr/bin/env python3
# wakee.py: a test plugin that listens to events from the start
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Arguments: EMITTER EVENT [EMITTER EVENT ...]. Once its handshake is
# answered it listens to each (emitter, event). Method `nextEvent`
# answers with the oldest event not given yet, [emitter, event, payload],
# waiting for one if there is none; `pid` answers its process id.

import json
import os
import socket
import sys


def main():
    pairs = list(zip(sys.argv[1::2], sys.argv[2::2]))
    sock = socket.socket(fileno=int(os.environ["NODE_CHANNEL_FD"]))
    sock.setblocking(True)
    events = []
    waiting = []

    def send(message):
        sock.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    def answer(request, **fields):
        reply = {k: request[k] for k in ("name", "key", "id") if k in request}
        reply["action"] = "response"
        reply.update(fields)
        send(reply)

    def serve_waiting():
        while events and waiting:
            answer(waiting.pop(0), payload=events.pop(0))

    for line in sock.makefile("rb"):
        message = json.loads(line)
        action = message.get("action")
        if action == "notification":
            events.append([message.get("name"), message.get("key"), message.get("payload")])
            serve_waiting()
            continue
        if action not in ("request", "call") or "id" not in message:
            continue
        key = message.get("key")
        if key == "handshake":
            answer(message, payload=["nextEvent", "pid"])
            for number, (emitter, event) in enumerate(pairs, start=1):
                send({"action": "on", "name": emitter, "key": event, "id": number})
        elif key == "nextEvent":
            waiting.append(message)
            serve_waiting()
        elif key == "pid":
            answer(message, payload=os.getpid())
        else:
            answer(message, error="Method %s doesn't exist" % key)
    os._exit(0)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, ConnectionResetError):
        os._exit(0)
