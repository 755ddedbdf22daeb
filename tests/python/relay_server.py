#!/usr/bin/env python3
"""The relay server of RES 302 TP 2, exercise 2.3.

    python3 relay_server.py [PORT]

Waits for two clients. The first gets '1' right after accept (it will send), the second '2'
(it will receive). Everything the first sends is relayed to the second, until the first
closes; then both connections are closed.

Listens on 127.0.0.1 (the lab: "localhost"); port 0 lets the kernel choose a free port, and
the banner line gives the real one once the socket listens.
"""
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 1212

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", PORT))
s.listen(2)
print(f"Relay on port {s.getsockname()[1]}", flush=True)

first, addr1 = s.accept()
first.send(b"1")
print(f"client 1: {addr1}", flush=True)
second, addr2 = s.accept()
second.send(b"2")
print(f"client 2: {addr2}", flush=True)

while True:
    data = first.recv(1500)
    if not data:
        break
    second.sendall(data)

second.close()
first.close()
s.close()
print("done", flush=True)
