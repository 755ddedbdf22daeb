#!/usr/bin/python3
# Le relais UDP qui ne regarde pas d'où vient chaque datagramme : tout ce qui arrive après
# les deux rôles part au récepteur, même d'une autre adresse que celle de l'émetteur.
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
        s.sendto(data, recepteur)
        if data.strip() == b"quit":
            break
