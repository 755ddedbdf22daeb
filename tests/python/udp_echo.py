#!/usr/bin/env python3
"""The UDP echo server of TP5b §1.4: recvfrom, then sendto the same bytes back to the sender.

    python3 udp_echo.py [PORT]

Listens on 127.0.0.1 (the lab binds every interface); port 0 lets the kernel choose, and the
banner line gives the real port once the socket is bound.
"""
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 7777

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", PORT))
print(f"UDP echo on port {s.getsockname()[1]}", flush=True)
while True:
    data, addr = s.recvfrom(65535)
    s.sendto(data, addr)
