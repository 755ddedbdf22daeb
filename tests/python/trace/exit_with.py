#!/usr/bin/env python3
# Ends with the exit status given (a number), or killed by the signal given (a name: TERM).
import os
import signal
import sys

how = sys.argv[1]
if how.isdigit():
    sys.exit(int(how))
os.kill(os.getpid(), getattr(signal, "SIG" + how))
