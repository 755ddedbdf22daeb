#!/usr/bin/python3
# Variante fautive : les rôles sont inversés (2 au premier connecté, 1 au deuxième).
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 1212
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(2)
while True:
    recepteur, _ = s.accept()
    recepteur.sendall(b"2")
    emetteur, _ = s.accept()
    emetteur.sendall(b"1")
    while True:
        msg = emetteur.recv(1500)
        if not msg:
            break
        recepteur.sendall(msg)
    emetteur.close()
    recepteur.close()
