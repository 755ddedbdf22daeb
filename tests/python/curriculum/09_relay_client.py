#!/usr/bin/python3
# RES 302 TP2, exercice 2.3 : un seul programme client, le serveur dit le rôle.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1212
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
role = s.recv(1)
if role == b"1":
    for line in sys.stdin:
        if line == "\n":
            break
        s.sendall(line.encode("utf-8"))
else:
    while True:
        msg = s.recv(1500)
        if not msg:
            break
        print(msg.decode("utf-8"), end="", flush=True)
s.close()
