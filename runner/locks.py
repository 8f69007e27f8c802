"""One job at a time per run folder and per DuckDB file.

Two jobs writing the same run folder (two `train`, `predict` or `run` of one experiment) or building into
the same DuckDB file would spoil each other's files. Each job holds an exclusive lock for as long as it
writes: `<run folder>/.lock`, `<database>.lock` (e.g. data/tianchi.duckdb.lock). The lock is the kernel's
(flock), so it ends with its process however the process ends, SIGKILL included: a lock file left behind
never blocks anyone; it only says who held it last, and the next job takes it over and says so. While
held, the file holds the holder's PID, start time and command line, which the second job's message names.
Within one process a lock is re-entrant (`run` holds the database's while its build and score take it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from runner.paths import duckdb_path, shown
from runner.processes import command_line, runner_token

log = logging.getLogger("runner.locks")

LOCK_NAME = ".lock"
# lock file -> [descriptor, depth] of the locks this process holds
_HELD: dict[Path, list[int]] = {}


class Busy(RuntimeError):
    """Another job holds the lock."""


def _holder(descriptor: int) -> dict[str, Any]:
    os.lseek(descriptor, 0, os.SEEK_SET)
    text = os.read(descriptor, 65536).decode(errors="replace").strip()
    try:
        holder = json.loads(text) if text else {}
    except ValueError:
        holder = {"command": text}
    return holder if isinstance(holder, dict) else {}


def _still_running(holder: dict[str, Any]) -> bool:
    pid = holder.get("pid")
    return isinstance(pid, int) and runner_token(pid) == holder.get("token")


@contextmanager
def hold(lock_file: Path, what: str) -> Iterator[None]:
    """Hold the exclusive lock `lock_file` for `what` (e.g. "run folder outputs/x") for the block; Busy at
    once, naming the holder, when another process holds it."""
    key = lock_file.absolute()
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    key.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(descriptor)
        for _ in range(40):  # the holder writes who it is just after it takes the lock
            if holder.get("pid"):
                break
            time.sleep(0.05)
            holder = _holder(descriptor)
        os.close(descriptor)
        since = f", since {holder['started']}" if holder.get("started") else ""
        raise Busy(
            f"{what} is in use by another job: PID {holder.get('pid', '?')} ({holder.get('command') or '?'}"
            f"{since}). Two jobs writing it at once would spoil each other's files: wait for that one to end, "
            f"or stop it (`kill {holder.get('pid', '<pid>')}`: it stops its own child processes). "
            f"Lock: {shown(key)}") from None
    try:
        previous = _holder(descriptor)
        if previous.get("pid") and not _still_running(previous):
            log.warning("%s: took over the lock left by PID %s (%s), which ended without releasing it (killed); "
                        "its unfinished steps are done again, its finished ones reused", what, previous.get("pid"),
                        previous.get("command") or "?")
        record = {"pid": os.getpid(), "token": runner_token(), "command": command_line(os.getpid()),
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, (json.dumps(record) + "\n").encode(), 0)
    except BaseException:
        os.close(descriptor)
        raise
    _HELD[key] = [descriptor, 1]
    try:
        yield
    finally:
        del _HELD[key]
        with contextlib.suppress(OSError):
            os.ftruncate(descriptor, 0)  # released cleanly: nothing to take over
        os.close(descriptor)  # closing releases the flock


def run_folder_lock(folder: Path) -> contextlib.AbstractContextManager[None]:
    """The lock of a run folder (outputs/<run>/.lock)."""
    return hold(folder / LOCK_NAME, f"run folder {shown(folder)}")


def database_lock(database: Path | None = None) -> contextlib.AbstractContextManager[None]:
    """The lock of a DuckDB file that dbt builds into (<database>.lock)."""
    database = database or duckdb_path()
    return hold(database.with_name(database.name + LOCK_NAME), f"database {shown(database)}")


@contextmanager
def exclusive_file(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` itself while the block replaces it (write a temporary, rename it): a
    second writer waits, then reads the new file, so no update is lost. The lock is taken on the file at
    `path` at the moment it is held (a rename swaps the file, so a lock on the old one is retried)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            same = os.fstat(descriptor).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(descriptor)
    try:
        yield
    finally:
        os.close(descriptor)
