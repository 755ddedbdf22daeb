#!/usr/bin/python3
# TP5b §2.2, with the close left out of handle (the lab says to move it there), and every
# connection kept in a list: without that, Python's garbage collector would close a socket
# once nothing refers to it any more, in whichever thread let go of it last (the exécutant
# at its end, or the main loop at the next accept), and the server would close after all.
import socket
import sys
import threading


def handle(sc):
    while True:
        data = sc.recv(1500)
        if len(data) == 0:
            break
        sc.sendall(data)


port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(5)
connections = []
while True:
    sc, addr = s.accept()
    connections.append(sc)
    t = threading.Thread(None, handle, None, (sc,))
    t.start()
