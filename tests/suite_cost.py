"""What each part of `make test` costs: the linters and every test file, each run alone on one worker.

    make test-cost                                   # or: .venv/bin/python tests/suite_cost.py [test files]

Prints, per part, the CPU seconds the whole machine spent (/proc/stat: the Spark JVM is not a child that
pytest waits for, so a process's own counters miss it) and the wall seconds, then the total CPU and the
floor it sets for two workers (total / 2). Run it on an otherwise idle machine: anything else running is
counted too. Files that share the session's generated month (tests/xdist_grouping.py) run together, as
under xdist, so that month is built once, as in `make test`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from xdist_grouping import xdist_group_of  # noqa: E402

# The linters as `make test` runs them (the Makefile's lint target), measured as one part.
LINT = ("make lint", ["make", "--no-print-directory", "lint"])


# pytest's last line: "3 passed, 1 failed in 2.01s"
PYTEST_COUNTS = re.compile(r"\b\d+ (passed|failed|errors?|skipped)\b")


@dataclass(frozen=True)
class Cost:
    part: str
    cpu_s: float
    wall_s: float
    returncode: int
    summary: str


def machine_cpu_seconds() -> float:
    """CPU time of every core since boot (user, nice, system, irq, softirq), in seconds."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def measure(part: str, command: Sequence[str]) -> Cost:
    cpu, start = machine_cpu_seconds(), time.monotonic()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall, cpu = time.monotonic() - start, machine_cpu_seconds() - cpu
    lines = [line.strip("= ") for line in (completed.stdout + completed.stderr).splitlines() if line.strip()]
    counts = [line for line in lines if PYTEST_COUNTS.search(line)]
    summary = counts[-1] if counts else "ok" if completed.returncode == 0 else (lines or [""])[-1]
    return Cost(part, cpu, wall, completed.returncode, summary)


class _Groups:
    """pytest plugin: the xdist group of every collected test, by file."""

    def __init__(self) -> None:
        self.files: dict[str, set[str]] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            path = item.path.resolve()
            file = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
            self.files.setdefault(xdist_group_of(item), set()).add(file)


def pytest_runs(paths: Sequence[str]) -> list[list[str]]:
    """The pytest runs to measure: one per file, files sharing an xdist group across files in one run."""
    groups = _Groups()
    listing = io.StringIO()
    with contextlib.redirect_stdout(listing):
        code = pytest.main(["--collect-only", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", *paths],
                           plugins=[groups])
    if code != 0:
        raise SystemExit(f"collecting {' '.join(paths) or 'tests/'} failed (pytest exit {code}):\n"
                         f"{listing.getvalue()[-3000:]}")
    runs: list[set[str]] = []
    for files in groups.files.values():
        overlapping = [run for run in runs if run & files]
        merged = set(files).union(*overlapping)
        runs = [run for run in runs if run not in overlapping] + [merged]
    return sorted(sorted(run) for run in runs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="test files or folders (default: the linters and tests/)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    parts = [] if args.paths else [LINT]
    for files in pytest_runs(args.paths):
        command = [sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", *files]
        parts.append((" + ".join(files), command))
    costs = []
    for number, (part, command) in enumerate(parts, 1):
        print(f"[{number}/{len(parts)}] {part}", file=sys.stderr, flush=True)
        costs.append(measure(part, command))
    width = max(len(cost.part) for cost in costs)
    print(f"{'part':<{width}}  {'CPU s':>7}  {'wall s':>7}  result")
    for cost in sorted(costs, key=lambda c: -c.cpu_s):
        result = cost.summary if cost.returncode == 0 else f"FAILED (exit {cost.returncode}): {cost.summary}"
        print(f"{cost.part:<{width}}  {cost.cpu_s:7.1f}  {cost.wall_s:7.1f}  {result}")
    total = sum(cost.cpu_s for cost in costs)
    print(f"total: {total:.0f} CPU s, {sum(cost.wall_s for cost in costs):.0f} wall s one after the other; "
          f"two workers could at best take {total / 2:.0f} s (each part here also pays its own pytest start)")
    return 0 if all(cost.returncode == 0 for cost in costs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
