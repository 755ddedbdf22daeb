#!/usr/bin/python3
# Le client sans select : il lit une ligne au clavier, l'envoie, puis attend la réponse.
# Bloqué dans readline, il ne voit pas ce que le serveur envoie entre-temps.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 6000
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
while True:
    line = sys.stdin.readline()
    if not line:
        break
    s.sendall(line.encode())
    data = s.recv(1000)
    if not data:
        break
    print(data.decode(), end="", flush=True)
s.close()
