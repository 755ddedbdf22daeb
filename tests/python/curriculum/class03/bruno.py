#!/usr/bin/python3
# Serveur echo TCP : un seul recv(1024) par client.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(1)
while True:
    sc, addr = s.accept()
    sc.send(sc.recv(1024))
    sc.close()
