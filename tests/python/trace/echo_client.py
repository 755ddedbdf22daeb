#!/usr/bin/env python3
# Echo client (TP5b §1.3): sends each message given on the command line (or, with none, each
# line of stdin), prints its echo, then closes.
# Usage: echo_client.py HOST PORT [MESSAGE...]
import socket
import sys

host = sys.argv[1]
port = int(sys.argv[2])
messages = sys.argv[3:] or [line.rstrip("\n") for line in sys.stdin]

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
for m in messages:
    data = (m + "\n").encode("utf-8")
    s.sendall(data)
    answer = b""
    while len(answer) < len(data):
        chunk = s.recv(1024)
        if chunk == b"":
            break
        answer += chunk
    print(answer.decode("utf-8"), end="", flush=True)
s.close()
