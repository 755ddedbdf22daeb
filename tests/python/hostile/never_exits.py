#!/usr/bin/python3
# Hostile, but bounded: a daytime client that prints the date, then never exits, deaf to
# SIGINT and SIGTERM (it sleeps: it costs no CPU). The grader stops it with SIGKILL.
import signal
import socket
import sys
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print(s.recv(1024).decode(), end="", flush=True)
s.close()
while True:
    time.sleep(0.5)
