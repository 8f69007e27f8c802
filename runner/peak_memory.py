"""Wall time and peak memory of a command with all its descendants (Linux /proc).

`/usr/bin/time -v` reports the largest single process that was waited for; a dbt-spark session
build runs Spark in a JVM child that dbt never waits for, so its memory is not in that number.
This samples the summed resident memory of the whole process tree instead:

    .venv/bin/python -m runner.peak_memory -- .venv/bin/dbt build --target spark
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

SAMPLE_SECONDS = 0.5
PAGE_KB = 4


def tree_rss_kb(root: int) -> int:
    """Summed resident memory (kB) of `root` and every process below it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        fields = text[text.rindex(")") + 2:].split()
        pid, parent = int(stat.parent.name), int(fields[1])
        children.setdefault(parent, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_KB
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(command: list[str]) -> tuple[int, float, float]:
    """(exit code, wall seconds, peak tree RSS in GB) of one command."""
    start = time.monotonic()
    process = subprocess.Popen(command)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(SAMPLE_SECONDS)
    return process.returncode, time.monotonic() - start, peak / 1024**2


def main(argv: list[str]) -> int:
    command = argv[1:] if argv and argv[0] == "--" else argv
    if not command:
        print("usage: python -m runner.peak_memory -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    code, seconds, peak_gb = measure(command)
    print(f"peak_memory: exit {code}, wall {seconds:.1f} s, peak tree RSS {peak_gb:.2f} GB", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
