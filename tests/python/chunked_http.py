#!/usr/bin/env python3
"""A small HTTP/1.1 server that answers in many small pieces, with chunked transfer-encoding.

    python3 chunked_http.py BODY_FILE

Serves one request: the request's bytes are written to stdout (hex, one line), then the body
of BODY_FILE goes out in chunks of varying sizes (1 byte to a few hundred, sizes in upper and
lower case hexadecimal, one with a chunk extension), followed by a trailer. Each chunk's size
line, data and CRLF are separate sends with Nagle off and a pause in between, so they leave as
separate segments and the client receives them piece by piece.

Listens on 127.0.0.1, on a port the kernel chooses; the banner line gives it.
"""
import socket
import sys
import time

body = open(sys.argv[1], "rb").read()

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(1)
print(f"HTTP chunked on port {s.getsockname()[1]}", flush=True)

conn, _ = s.accept()
request = b""
while b"\r\n\r\n" not in request:
    data = conn.recv(1500)
    if not data:
        break
    request += data
print(request.hex(), flush=True)

conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def piece(data):
    conn.sendall(data)
    # Paces the pieces so each leaves on its own; not a wait for anything.
    time.sleep(0.001)


piece(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n")
piece(b"Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n")
pos, n = 0, 0
while pos < len(body):
    size = min(1 + (n * 37) % 300, len(body) - pos)
    head = format(size, "X" if n % 2 else "x")
    if n == 3:
        head += ";name=value"
    piece(head.encode() + b"\r\n")
    piece(body[pos:pos + size])
    piece(b"\r\n")
    pos += size
    n += 1
piece(b"0\r\nX-Checksum: none\r\n\r\n")
conn.close()
s.close()
