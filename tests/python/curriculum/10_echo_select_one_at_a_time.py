#!/usr/bin/python3
# Variante fautive : select sur la socket d'écoute, mais chaque client est servi jusqu'au bout
# avant d'en accepter un autre : un seul client à la fois.
import select
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(5)
while True:
    readers, _, _ = select.select([s], [], [])
    for sock in readers:
        sc, addr = s.accept()
        while True:
            data = sc.recv(1500)
            if len(data) == 0:
                break
            sc.sendall(data)
        sc.close()
