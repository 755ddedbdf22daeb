#!/usr/bin/env python3
"""The labs' TCP echo server, thread version (TP5b, section 2.2), as a student writes it:
one thread per client, running the recv/send loop, then closing the client's socket.

Usage: python3 lab_echo_server_threads.py PORT [HOST]

Three departures from the lab's text, so that bench/compare.sh compares like with like:
- it listens on 127.0.0.1 by default (the lab binds ("", 7777), every interface): the
  measurement stays on loopback;
- listen(128) instead of listen(1), as every other server compared (the listen queue is not
  what is measured);
- sendall instead of send, which may send only part of a large message.
"""

import socket
import sys
import threading


def handle(sc):
    try:
        while True:
            data = sc.recv(1500)
            if len(data) == 0:
                break
            sc.sendall(data)
    except OSError:
        # The client reset the connection: this thread ends, the server goes on.
        pass
    sc.close()


def main():
    port = int(sys.argv[1])
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(128)
    while True:
        sc, _addr = s.accept()
        t = threading.Thread(None, handle, None, (sc,))
        t.daemon = True
        t.start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
