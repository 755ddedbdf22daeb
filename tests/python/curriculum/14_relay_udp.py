#!/usr/bin/python3
# RES 302 TP2, exercice 2.2 : le serveur relais en UDP. Le premier qui écrit est l'émetteur
# (il reçoit « 1 »), le deuxième le récepteur (« 2 ») ; « quit » termine la paire.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 1212
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", port))
while True:
    _, emetteur = s.recvfrom(65535)
    s.sendto(b"1", emetteur)
    recepteur = emetteur
    while recepteur == emetteur:
        _, recepteur = s.recvfrom(65535)
    s.sendto(b"2", recepteur)
    while True:
        data, addr = s.recvfrom(65535)
        if addr != emetteur:
            continue
        s.sendto(data, recepteur)
        if data.strip() == b"quit":
            break
