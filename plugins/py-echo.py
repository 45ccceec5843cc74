#!/usr/bin/env python3
# py-echo.py: the echo plugin in Python, standard library only
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Newline-delimited JSON over the fd named by NODE_CHANNEL_FD, as plugctl's
# child-process connector (and Node's fork) provides it. One thread, one
# selector: `slow` calls are timers, so they never block other calls.

import heapq
import itertools
import json
import os
import selectors
import socket
import sys
import time

METHODS = ["echo", "sum", "fail", "slow", "ping"]


class Channel:
    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self.sock.setblocking(True)
        self.buffer = b""

    def send(self, message):
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        self.sock.sendall(data)

    def read_lines(self):
        """The complete lines now readable; None at end of stream."""
        chunk = self.sock.recv(65536)
        if not chunk:
            return None
        if b"\n" not in chunk:
            self.buffer += chunk
            return []
        *lines, rest = (self.buffer + chunk).split(b"\n")
        self.buffer = rest
        return lines


class Plugin:
    def __init__(self, channel):
        self.channel = channel
        self.name = None
        self.timers = []            # heap of (deadline, seq, request id, callback)
        self.slow_calls = {}        # request id -> timer entry
        self.seq = itertools.count()

    def respond(self, request, result=None, error=None):
        message = {"action": "response", "name": request.get("name"),
                   "key": request.get("key"), "id": request.get("id")}
        message = {k: v for k, v in message.items() if v is not None}
        if error is not None:
            message["error"] = error
        else:
            message["payload"] = result
        self.channel.send(message)

    def emit(self, key, payload):
        self.channel.send({"action": "emit", "key": key, "payload": payload})

    def handle(self, message):
        if not isinstance(message, dict):
            return
        action, key = message.get("action"), message.get("key")
        if action in ("request", "call") and key == "handshake":
            if self.name is None:
                payload = message.get("payload")
                self.name = payload[0] if isinstance(payload, list) and payload else message.get("name")
            self.respond(message, METHODS)
        elif action in ("request", "call"):
            if self.name is None:
                self.respond(message, error="Handshake before communicating")
            else:
                self.serve(message)
        elif action == "cancel":
            entry = self.slow_calls.pop(message.get("id"), None)
            if entry is not None:
                entry[3] = None  # the timer stays in the heap, disarmed

    def serve(self, request):
        key = request.get("key")
        args = request.get("payload")
        if not isinstance(args, list):
            args = []
        if key not in METHODS:
            self.respond(request, error="Method %s doesn't exist on plugin %s"
                         % (key, request.get("name") or self.name))
            return
        try:
            getattr(self, "method_" + key)(request, *args)
        except TypeError as error:
            self.respond(request, error="%s: %s" % (key, error))

    def method_echo(self, request, value=None, *rest):
        self.emit("echoed", [value])
        self.respond(request, value)

    def method_sum(self, request, *numbers):
        for i, n in enumerate(numbers):
            if isinstance(n, bool) or not isinstance(n, (int, float)):
                self.respond(request, error="sum: argument %d must be a number, got %s"
                             % (i, json.dumps(n)))
                return
        self.respond(request, sum(numbers))

    def method_fail(self, request, text="failed", *rest):
        self.respond(request, error=str(text))

    def method_slow(self, request, ms, value=None, *rest):
        if isinstance(ms, bool) or not isinstance(ms, (int, float)) or ms < 0:
            self.respond(request, error="slow: %s is not a delay in milliseconds" % json.dumps(ms))
            return
        entry = [time.monotonic() + ms / 1000.0, next(self.seq), request.get("id"),
                 lambda: self.respond(request, value)]
        heapq.heappush(self.timers, entry)
        if request.get("id") is not None:
            self.slow_calls[request.get("id")] = entry

    def method_ping(self, request, *rest):
        self.respond(request, "pong")

    def next_timeout(self):
        if not self.timers:
            return None
        return max(0.0, self.timers[0][0] - time.monotonic())

    def run_due_timers(self):
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, request_id, callback = heapq.heappop(self.timers)
            if callback is not None:
                self.slow_calls.pop(request_id, None)
                callback()


def main():
    value = os.environ.get("NODE_CHANNEL_FD")
    if not value or not value.isdigit():
        sys.stderr.write("NODE_CHANNEL_FD is not set: this program is a plugctl plugin "
                         "and must be started by plugctl\n")
        return 1

    channel = Channel(int(value))
    plugin = Plugin(channel)
    selector = selectors.DefaultSelector()
    selector.register(channel.sock, selectors.EVENT_READ)

    try:
        while True:
            if selector.select(plugin.next_timeout()):
                lines = channel.read_lines()
                if lines is None:
                    return 0
                for line in lines:
                    if not line.strip():
                        continue
                    try:
                        message = json.loads(line)
                    except ValueError as error:
                        sys.stderr.write("dropped a message that is not JSON: %s\n" % error)
                        continue
                    plugin.handle(message)
            plugin.run_due_timers()
    except (BrokenPipeError, ConnectionResetError):
        return 0


if __name__ == "__main__":
    sys.exit(main())
