#!/usr/bin/env python3
# Echo client in the style of TP5b §1.3: read lines on stdin, send each, print the echo;
# an empty line ends it.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 7777

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
while True:
    line = sys.stdin.readline()
    if line == "" or line == "\n":
        break
    data = line.encode("utf-8")
    s.sendall(data)
    answer = b""
    while len(answer) < len(data):
        chunk = s.recv(1500)
        if chunk == b"":
            break
        answer += chunk
    print(answer.decode("utf-8"), end="")
s.close()
