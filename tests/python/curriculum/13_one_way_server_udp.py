#!/usr/bin/python3
# RES 302 TP2, exercice 1.2 : le serveur de 1.1 en UDP.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 1212
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", port))
while True:
    data, addr = s.recvfrom(65535)
    print("Reçu de", addr, ":", data.decode().strip())
