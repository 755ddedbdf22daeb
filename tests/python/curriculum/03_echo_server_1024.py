#!/usr/bin/python3
# Variante fautive : un seul recv(1024) par client, l'écho s'arrête aux 1 024 premiers octets.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(1)
while True:
    sc, addr = s.accept()
    data = sc.recv(1024)
    sc.sendall(data)
    sc.close()
