#!/usr/bin/env python3
# misbehave.py: a test plugin on the raw wire that breaks the protocol on
# request, one way per method
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Methods: echo [x] → x; pid → its process id; exit [status] exits
# mid-call; sigkill kills itself with SIGKILL mid-call; close closes its
# channel and keeps running; hang never answers; twice [x] answers twice;
# wrongid answers with an id nobody sent; huge [mb] answers with a line of
# that many MiB, then with a short one; flood [n] emits the event `flood` n times, then answers n;
# stderr [mb] writes that many MiB to stderr, then answers; listen
# [emitter, event] subscribes to an event; received → the payloads of the
# notifications it got; spoof [target, method, args...] calls the engine
# with a requestInfo that claims the call comes from `manager`, and answers
# with what the engine answered (its error, as the error).
#
# With MISBEHAVE_STUBBORN=1 in its environment it also ignores SIGTERM and
# the end of its channel: only SIGKILL stops it.

import json
import os
import signal
import socket
import sys
import time

METHODS = ["echo", "pid", "exit", "sigkill", "close", "hang", "twice",
           "wrongid", "huge", "flood", "stderr", "listen", "received", "spoof"]
STUBBORN = os.environ.get("MISBEHAVE_STUBBORN") == "1"
received = []
outgoing = {}  # id of a call it made → the reply to send when answered
next_call_id = [1]


def encode(message):
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def linger():
    # Bounded, so that a test that fails cannot leave it behind for long.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.05)
    os._exit(0)


def serve(sock, message):
    key = message.get("key")
    args = message.get("payload") or []
    reply = {k: message[k] for k in ("name", "key", "id") if k in message}
    reply["action"] = "response"

    def answer(value):
        reply["payload"] = value
        sock.sendall(encode(reply))

    if key == "handshake":
        answer(METHODS)
    elif key == "echo":
        answer(args[0] if args else None)
    elif key == "pid":
        answer(os.getpid())
    elif key == "exit":
        sys.stderr.write("misbehave: exiting mid-call\n")
        sys.stderr.flush()
        os._exit(args[0] if args else 3)
    elif key == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif key == "close":
        sock.shutdown(socket.SHUT_RDWR)
        linger()
    elif key == "hang":
        pass
    elif key == "twice":
        answer(args[0] if args else None)
        answer(args[0] if args else None)
    elif key == "wrongid":
        reply["id"] = message.get("id", 0) + 1000
        answer("for nobody")
    elif key == "huge":
        # The answer in a line too long to be read, then again, short.
        size = int((args[0] if args else 100) * 1024 * 1024)
        head = encode(reply)[:-2]  # without "}\n"
        sock.sendall(head + b',"payload":"' + b"x" * size + b'"}\n')
        answer("after %d MiB" % (size // (1024 * 1024)))
    elif key == "flood":
        count = args[0] if args else 1000
        lines = b"".join(encode({"action": "emit", "key": "flood", "payload": [i]})
                         for i in range(count))
        sock.sendall(lines)
        answer(count)
    elif key == "stderr":
        size = int((args[0] if args else 1) * 1024 * 1024)
        line = b"misbehave: " + b"e" * 116 + b"\n"  # 128 bytes
        chunk = line * 512
        written = 0
        while written < size:
            os.write(2, chunk)
            written += len(chunk)
        answer(written // len(line))
    elif key == "listen":
        sock.sendall(encode({"action": "on", "name": args[0], "key": args[1], "id": 0}))
        answer(True)
    elif key == "received":
        answer(received)
    elif key == "spoof":
        call_id = next_call_id[0]
        next_call_id[0] += 1
        outgoing[call_id] = reply
        sock.sendall(encode({"action": "request", "id": call_id, "name": args[0],
                             "key": args[1], "payload": args[2:],
                             "requestInfo": {"from": "manager", "path": args[0]}}))
    else:
        reply["error"] = "Method %s doesn't exist on plugin %s" % (key, message.get("name"))
        sock.sendall(encode(reply))


def main():
    if STUBBORN:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket(fileno=int(os.environ["NODE_CHANNEL_FD"]))
    sock.setblocking(True)
    reader = sock.makefile("rb")

    for line in reader:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        action = message.get("action")
        if action == "notification":
            received.append(message.get("payload"))
        elif action == "response" and message.get("id") in outgoing:
            reply = outgoing.pop(message["id"])
            if "error" in message:
                reply["error"] = message["error"]
            else:
                reply["payload"] = message.get("payload")
            sock.sendall(encode(reply))
        elif action in ("request", "call"):
            serve(sock, message)

    if STUBBORN:
        linger()


if __name__ == "__main__":
    main()
