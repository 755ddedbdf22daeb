#!/usr/bin/env python3
"""A UDP daytime server (RFC 867): any datagram, even an empty one, gets the date back.

    python3 daytime_udp.py DATE_LINE

Answers every datagram with DATE_LINE followed by CRLF, so a test knows what to expect.
Listens on 127.0.0.1, on a port the kernel chooses; the banner line gives it once bound.
"""
import socket
import sys

line = (sys.argv[1] + "\r\n").encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(f"UDP daytime on port {s.getsockname()[1]}", flush=True)
while True:
    request, addr = s.recvfrom(1500)
    # The request's content does not matter: its arrival is the question.
    s.sendto(line, addr)
