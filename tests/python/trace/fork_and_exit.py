# Forks a child that sleeps for a minute, prints its pid and exits with status 3 at once: the
# child is left behind.
import os
import sys
import time

child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
sys.exit(3)
