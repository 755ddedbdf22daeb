#!/usr/bin/env python3
# Echo server with select (TP5b §2): one thread waits on every socket at once.
# Usage: echo_select.py PORT CLIENTS; the first line on stdout gives the port. It exits once
# CLIENTS clients came and left.
import select
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 1

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(5)
print("listening on", s.getsockname()[1], flush=True)
watched = [s]
done = 0
while done < clients:
    ready, _, _ = select.select(watched, [], [])
    for r in ready:
        if r is s:
            sc, addr = s.accept()
            watched.append(sc)
        else:
            data = r.recv(1024)
            if len(data) == 0:
                watched.remove(r)
                r.close()
                done += 1
            else:
                r.sendall(data)
s.close()
