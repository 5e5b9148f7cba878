#!/usr/bin/env python3
"""A free loopback TCP port outside the kernel's ephemeral range (in the
wider gap, below it or above it).

Tests that stop and restart a server (an MQTT broker, the RTSP test
server) leave its port unbound for seconds while clients keep dialling
it. A port from the ephemeral range (what binding port 0 gives) can then
be taken as the source port of some other connection, so the restart
fails, or a client dialling it gets its own port and connects to itself.
Ports outside the range are never handed out by the kernel, so only another
test's explicit choice can take one. Run as a program, prints the port.

tests/check/elements/edgereport.c picks its broker ports the same way."""
import random
import socket


def ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            first, last = f.read().split()[:2]
            return int(first), int(last)
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    first, last = ephemeral_range()
    # the wider gap, below the range or above it
    if first - 1024 >= 65535 - last:
        low, high = max(1024, first - 16384), first - 1
    else:
        low, high = last + 1, 65535
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in %d-%d" % (low, high))


if __name__ == "__main__":
    print(free_port())
