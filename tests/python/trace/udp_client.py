#!/usr/bin/env python3
# UDP echo client (TP5b §1.4): one datagram per message given, each echo printed.
# Usage: udp_client.py HOST PORT MESSAGE...
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for m in sys.argv[3:]:
    s.sendto(m.encode(), (host, port))
    data, _ = s.recvfrom(1500)
    print(data.decode(), flush=True)
s.close()
