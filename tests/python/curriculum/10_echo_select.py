#!/usr/bin/python3
# TP5b §2.1 : serveur echo multi-client avec select.
import select
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(5)
l = []
while True:
    readers, _, _ = select.select(l + [s], [], [])
    for sock in readers:
        if sock == s:
            sc, addr = s.accept()
            l.append(sc)
        else:
            data = sock.recv(1500)
            if len(data) == 0:
                sock.close()
                l.remove(sock)
            else:
                sock.sendall(data)
