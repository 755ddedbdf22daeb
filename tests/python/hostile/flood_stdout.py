#!/usr/bin/python3
# Hostile, but bounded: 100 MiB written to stdout before doing anything else.
import sys

chunk = b"x" * (1 << 20)
for _ in range(100):
    sys.stdout.buffer.write(chunk)
sys.stdout.flush()
