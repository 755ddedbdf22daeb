#!/usr/bin/env python3
# What a program started by socklab inherits: prints the blocked signals and whether SIGINT
# has Python's own handler (it has not when SIGINT was ignored at start-up); exits 0 when the
# mask is empty and SIGINT is handled by Python, 3 otherwise.
import signal
import sys

blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
handled = signal.getsignal(signal.SIGINT) is signal.default_int_handler
print("blocked:", sorted(int(s) for s in blocked), "sigint-default:", handled, flush=True)
sys.exit(0 if not blocked and handled else 3)
