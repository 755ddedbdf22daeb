#!/usr/bin/python3
# RES 302 TP2, exercice 1.2 : le client de 1.1 en UDP, un datagramme par chaîne saisie.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1212
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    try:
        message = input()
    except EOFError:
        break
    s.sendto(message.encode(), (host, port))
s.close()
