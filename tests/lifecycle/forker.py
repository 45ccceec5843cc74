#!/usr/bin/env python3
# forker.py: a test plugin that starts a grandchild and leaves it behind
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# At start it runs `sleep 1000` (its child, the engine's grandchild), and
# writes "<own pid> <grandchild pid>" to $PLUGCTL_TEST_PIDFILE when set.
# Method `pids` answers [own pid, grandchild pid]. When its channel closes
# it exits without stopping the grandchild: the host has to.

import json
import os
import socket
import subprocess
import sys


def main():
    grandchild = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL)
    pids = [os.getpid(), grandchild.pid]
    pidfile = os.environ.get("PLUGCTL_TEST_PIDFILE")
    if pidfile:
        with open(pidfile + ".tmp", "w") as f:
            f.write("%d %d\n" % tuple(pids))
        os.rename(pidfile + ".tmp", pidfile)

    sock = socket.socket(fileno=int(os.environ["NODE_CHANNEL_FD"]))
    sock.setblocking(True)

    def send(message):
        sock.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    for line in sock.makefile("rb"):
        message = json.loads(line)
        if message.get("action") not in ("request", "call") or "id" not in message:
            continue
        reply = {k: message[k] for k in ("name", "key", "id") if k in message}
        reply["action"] = "response"
        if message.get("key") == "handshake":
            reply["payload"] = ["pids"]
        elif message.get("key") == "pids":
            reply["payload"] = pids
        else:
            reply["error"] = "Method %s doesn't exist" % message.get("key")
        send(reply)
    os._exit(0)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, ConnectionResetError):
        os._exit(0)
