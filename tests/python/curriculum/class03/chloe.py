#!/usr/bin/python3
# Serveur echo TCP : sans SO_REUSEADDR.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.bind(("", port))
s.listen(1)
while True:
    sc, addr = s.accept()
    while True:
        data = sc.recv(1500)
        if len(data) == 0:
            break
        sc.sendall(data)
    sc.close()
