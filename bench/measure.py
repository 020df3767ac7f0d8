"""Run a command; write its wall time, CPU time and peak resident memory to a JSON file.

    python bench/measure.py OUT.json COMMAND ARG...

A small process of its own measures the command, so the peak is the command's and not that
of a large parent it was started from (a forked child starts with its parent's pages).
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    out, command = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.execvp(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                   "rss": usage.ru_maxrss * 1024,
                   "code": os.waitstatus_to_exitcode(status)}, f)


if __name__ == "__main__":
    main()
