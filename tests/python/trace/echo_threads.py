#!/usr/bin/env python3
# Echo server with one thread per client (TP5b §3): the main thread only accepts (the
# veilleur), each connection is served by a thread of its own (an exécutant).
# Usage: echo_threads.py PORT CLIENTS; the first line on stdout gives the port.
import socket
import sys
import threading

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 1


def serve(sc):
    while True:
        data = sc.recv(1024)
        if len(data) == 0:
            break
        sc.sendall(data)
    sc.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(5)
print("listening on", s.getsockname()[1], flush=True)
workers = []
for _ in range(clients):
    sc, addr = s.accept()
    t = threading.Thread(target=serve, args=(sc,))
    t.start()
    workers.append(t)
for t in workers:
    t.join()
s.close()
