#!/usr/bin/python3
# TP5b §1.2, with the close of the connected socket forgotten.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(1)
while True:
    sc, addr = s.accept()
    while True:
        data = sc.recv(1500)
        if len(data) == 0:
            break
        sc.sendall(data)
