#!/usr/bin/python3
# Variante fautive du client echo (TP5b §1.3) : un seul recv par ligne, dans un tampon plus
# petit que les morceaux de l'écho. La fin de l'écho d'une longue ligne reste non lue dans le
# tampon de réception quand le client ferme sa socket : son noyau envoie alors RST, pas FIN.
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
    data = s.recv(512)
    print(data.decode("utf-8", "replace"), end="")
s.close()
