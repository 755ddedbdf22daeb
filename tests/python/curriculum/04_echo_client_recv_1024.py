#!/usr/bin/python3
# Variante fautive du client echo (TP5b §1.3), le recv(1024) du client daytime repris tel quel :
# un seul recv par ligne. L'écho d'une longue ligne arrive en plusieurs morceaux ; le client
# n'en lit que le premier, puis ferme la connexion.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 7777
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
while True:
    line = sys.stdin.readline()
    if line == "" or line == "\n":
        break
    s.sendall(line.encode("utf-8"))
    data = s.recv(1024)
    print(data.decode("utf-8", "replace"), end="")
s.close()
