#!/usr/bin/python3
# RES 302 TP2, exercice 1.1, sans le test de fin : quand le client ferme, recv renvoie b""
# à chaque appel, et la boucle affiche des messages vides sans fin.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 1212
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(1)
while True:
    sc, addr = s.accept()
    while True:
        data = sc.recv(1024)
        print("Reçu :", data.decode().strip())
