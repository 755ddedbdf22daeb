#!/usr/bin/python3
# Hostile, but bounded: 300 forks in a row, each child sleeping 30 s. Under the sandbox's
# process limit a fork fails first (BlockingIOError) and the program ends.
import os
import socket
import sys
import time

for i in range(300):
    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
# Reached only without a process limit (as root): then a plain daytime client.
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print(s.recv(1024).decode(), end="")
s.close()
