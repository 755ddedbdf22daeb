#!/usr/bin/python3
# RES 302 TP2, exercice 2.3 : le serveur relais donne le rôle 1 puis 2.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 1212
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(2)
while True:
    premier, _ = s.accept()
    premier.sendall(b"1")
    deuxieme, _ = s.accept()
    deuxieme.sendall(b"2")
    while True:
        msg = premier.recv(1500)
        if not msg:
            break
        deuxieme.sendall(msg)
    premier.close()
    deuxieme.close()
