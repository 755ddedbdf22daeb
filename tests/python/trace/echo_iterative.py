#!/usr/bin/env python3
# Iterative echo server in the style of TP5b §1.2: one client at a time.
# Usage: echo_iterative.py PORT CLIENTS [HOST]  (PORT 0: any free port; it serves CLIENTS
# clients, then closes its socket and exits; HOST: 127.0.0.1, or a name such as localhost).
# The first line on stdout gives the port.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 1
host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.listen(5)
print("listening on", s.getsockname()[1], flush=True)
for _ in range(clients):
    sc, addr = s.accept()
    while True:
        data = sc.recv(1024)
        if len(data) == 0:
            break
        sc.sendall(data)
    sc.close()
s.close()
