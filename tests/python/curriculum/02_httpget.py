#!/usr/bin/python3
# TP3 §2.2-2.3 : client web, toute la page, erreurs distinguées.
import socket
import sys

host = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 80
request = "GET / HTTP/1.1\r\n" \
          "Host: " + host + "\r\n" \
          "Connection: close\r\n\r\n"
try:
    s = socket.create_connection((host, port))
except socket.gaierror as e:
    print("hôte inconnu :", host, "(" + str(e) + ")", file=sys.stderr)
    sys.exit(2)
except ConnectionRefusedError:
    print("connexion refusée : aucun serveur web sur", host, port, file=sys.stderr)
    sys.exit(1)
s.sendall(request.encode("utf-8"))
while True:
    answer = s.recv(1024)
    if answer == b"":
        break
    print(answer.decode("utf-8"), end="")
s.close()
