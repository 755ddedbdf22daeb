#!/usr/bin/env python3
# An echo over a local (AF_UNIX) socket, the same shape as the labs' TCP echo.
# Usage: unix_echo.py serve PATH   (one client, then it closes and removes its file)
#        unix_echo.py connect PATH MESSAGE
import os
import socket
import sys

what, path = sys.argv[1], sys.argv[2]
if what == "serve":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(5)
    print("listening on", path, flush=True)
    sc, _ = s.accept()
    while True:
        data = sc.recv(1024)
        if len(data) == 0:
            break
        sc.sendall(data)
    sc.close()
    s.close()
    os.unlink(path)
else:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.sendall(sys.argv[3].encode())
    print(c.recv(1024).decode(), flush=True)
    c.close()
