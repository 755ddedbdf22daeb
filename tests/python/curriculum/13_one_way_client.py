#!/usr/bin/python3
# RES 302 TP2, exercice 1.1 : le client envoie chaque chaîne saisie, en boucle.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1212
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
while True:
    try:
        message = input()
    except EOFError:
        break
    s.send(message.encode())
s.close()
