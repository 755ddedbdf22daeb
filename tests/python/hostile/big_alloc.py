#!/usr/bin/python3
# Hostile, but bounded: one 2 GiB allocation, over the sandbox's data limit (MemoryError).
import socket
import sys

data = bytearray(2 * 1024**3)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print(s.recv(1024).decode(), end="")
s.close()
