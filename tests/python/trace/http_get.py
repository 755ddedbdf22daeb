#!/usr/bin/env python3
# HTTP GET by hand (TP3): one request, then recv until the server closes.
# Usage: http_get.py HOST PORT [PATH]
import socket
import sys

host = sys.argv[1]
port = int(sys.argv[2])
path = sys.argv[3] if len(sys.argv) > 3 else "/"

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)).encode())
page = b""
while True:
    chunk = s.recv(1024)
    if chunk == b"":
        break
    page += chunk
s.close()
sys.stdout.write(page.decode("utf-8", "replace"))
