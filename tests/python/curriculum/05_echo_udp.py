#!/usr/bin/python3
# TP5b §1.4 : serveur echo UDP.
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("", port))
while True:
    data, addr = s.recvfrom(65535)
    s.sendto(data, addr)
