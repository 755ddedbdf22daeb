#!/usr/bin/python3
# Prints the network interfaces it sees, from /proc/net/dev (its own network namespace's;
# /sys/class/net would show the one sysfs was mounted in), instead of the date: the grader's
# reason quotes what it printed.
import socket
import sys

with open("/proc/net/dev") as f:
    names = [line.split(":")[0].strip() for line in f.read().splitlines()[2:]]
print("interfaces=" + ",".join(sorted(names)) + ";", flush=True)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.recv(1024)
s.close()
