"""Helpers of the tests that stop the runner: a runner command in the background whose output is read line by
line, and the processes left behind, found by what their command lines mention (a test's own tmp folder), so
that a survivor is found whether or not the runner marked it, and whatever session it runs in."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What a copy of the project needs to run dbt and the runner as a fresh clone does (no data/, outputs/, target/).
PROJECT_FILES = ("runner", "models_sql", "dbt_project", "configs", "dbt_project.yml", "profiles.yml",
                 "tests/fixtures", "docs/experiments.csv")


def copy_project(dest: Path) -> Path:
    """A copy of the project at `dest`, as a fresh clone has it, with the environments linked: commands run
    there write its data/, outputs/, target/ and logs/, never the checkout's."""
    for name in PROJECT_FILES:
        source, target = PROJECT_ROOT / name, dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    for environment in (".venv", ".venv-tzrec"):
        if (PROJECT_ROOT / environment).exists():
            (dest / environment).symlink_to((PROJECT_ROOT / environment).resolve())
    return dest


def processes_mentioning(text: str) -> dict[int, str]:
    """pid -> command line of every live (non-zombie) process whose command line contains `text`, this
    test process excepted."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if text in command and state != "Z":
            found[int(entry.name)] = command.strip()
    return found


def wait_until_gone(text: str, timeout: float = 30.0) -> dict[int, str]:
    """Wait until no process mentions `text`; returns the survivors after `timeout` ({} when none)."""
    deadline = time.monotonic() + timeout
    while True:
        left = processes_mentioning(text)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


class RunnerProcess:
    """`python -m runner ARGS` (or any command) started in the background, its output (stdout and stderr
    together) collected line by line as it comes."""

    def __init__(self, args: Sequence[str], cwd: Path = PROJECT_ROOT, env: Mapping[str, str] | None = None,
                 command: Sequence[str] | None = None) -> None:
        self.command = list(command) if command is not None else [sys.executable, "-m", "runner", *args]
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process = subprocess.Popen(self.command, cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 300.0, start: int = 0) -> int:
        """Wait for a line matching `pattern` (a regular expression) at or after line `start`; its index.
        AssertionError when the process ends or `timeout` passes first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(start, len(self.lines)):
                    if regex.search(self.lines[index]):
                        return index
                start = max(start, len(self.lines))
                if self.process.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"ended (exit {self.process.returncode}) before {pattern!r}:\n"
                                         f"{self.output[-4000:]}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"no {pattern!r} within {timeout:.0f} s:\n{self.output[-4000:]}")
                self._changed.wait(0.5)

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def wait(self, timeout: float = 600.0) -> int:
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code

    def kill(self) -> None:
        """Test cleanup: SIGKILL the command if it still runs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)


def run_runner(args: Sequence[str], cwd: Path = PROJECT_ROOT, env: Mapping[str, str] | None = None,
               timeout: float = 900.0) -> tuple[int, str]:
    """`python -m runner ARGS` to its end: (exit code, output)."""
    runner = RunnerProcess(args, cwd=cwd, env=env)
    try:
        return runner.wait(timeout), runner.output
    finally:
        runner.kill()
