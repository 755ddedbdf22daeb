#!/usr/bin/python3
# TP3 §1.2 : client daytime, l'hôte et le port en paramètres.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 13
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
data = s.recv(1024)
print(data.decode("utf-8"), end="")
s.close()
