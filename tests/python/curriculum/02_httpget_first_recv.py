#!/usr/bin/python3
# Variante fautive : un seul recv(1024), la page est tronquée.
import socket
import sys

host = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 80
request = "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
try:
    s = socket.create_connection((host, port))
except socket.gaierror:
    print("hôte inconnu", file=sys.stderr)
    sys.exit(2)
except ConnectionRefusedError:
    print("connexion refusée", file=sys.stderr)
    sys.exit(1)
s.sendall(request.encode("utf-8"))
answer = s.recv(1024)
print(answer.decode("utf-8"), end="")
s.close()
