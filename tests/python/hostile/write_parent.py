#!/usr/bin/python3
# Hostile, but bounded: a write in its private directory ($TMPDIR, allowed), then one in the
# parent of its working directory and one beside its own folder (both refused).
import os
import sys

try:
    with open(os.path.join(os.environ["TMPDIR"], "mine.txt"), "w") as f:
        f.write("allowed\n")
except OSError as e:
    print(f"private write failed: {e}", file=sys.stderr)
    sys.exit(3)
here = os.path.dirname(os.path.abspath(__file__))
for path in ["../escaped_cwd.txt", os.path.join(here, "..", "escaped_beside.txt")]:
    with open(path, "w") as f:
        f.write("escaped\n")
