"""The child processes the runner starts (dbt, torchrun and its ranks, helpers), and stopping all of them.

Every child starts in a session (process group) of its own, so that the runner can stop it with everything
under it, and with a parent-death signal, so that it is stopped even when the runner itself is killed with
SIGKILL (Linux prctl PR_SET_PDEATHSIG: the kernel sends the signal when the runner's thread that started the
child dies). The runner turns SIGTERM and SIGHUP (what `timeout`, a scheduler, a CI job limit, `kill` or a
closed terminal send) into the exception Stopped, as Ctrl-C becomes KeyboardInterrupt: either one unwinds
through `supervised`, which stops the child's whole tree, and runner.cli reports what was stopped.

A tree is found through /proc (parent links), not through process groups alone: torchrun starts each rank in
a session of its own, so a signal to torchrun's group does not reach the ranks.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("runner.processes")

# The signals that stop the runner the way Ctrl-C (SIGINT) does.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# How a child is stopped: each signal to its whole tree, then the grace period it gets to end.
TERMINATE = ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0))
_PR_SET_PDEATHSIG = 1


class Stopped(BaseException):
    """The runner received SIGTERM or SIGHUP. A BaseException, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(f"stopped by {self.signal_name}")


# The stop signal received (0: none). Kept besides raising Stopped: Python ignores an exception raised in a
# finaliser (__del__, a weakref callback), and a signal handler can run inside one, so a stop could otherwise be
# lost; raise_if_stopped() raises it again at the next checkpoint (a stage, a child about to start, a line of
# a child's output).
_requested = [0]
# True while children are being stopped: a second signal then only logs.
_stopping = [False]


def _raise_stopped(signum: int, frame: Any) -> None:
    _requested[0] = _requested[0] or signum
    if _stopping[0]:
        log.warning("%s received: already stopping", signal.Signals(signum).name)
        return
    raise Stopped(signum)


def raise_if_stopped() -> None:
    """Raise Stopped if a stop signal has come (a checkpoint between steps)."""
    if _requested[0] and not _stopping[0]:
        raise Stopped(_requested[0])


def stop_requested() -> int:
    """The stop signal received, 0 if none."""
    return _requested[0]


def install_stop_handlers() -> None:
    """Make SIGTERM and SIGHUP raise Stopped in the main thread (runner.cli does this before any command)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _raise_stopped)


# ---- the process tree, from /proc ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    pgid: int
    start_ticks: int  # the start time: tells a process from a later one that reuses its PID


def _read_stat(pid: int) -> ProcessInfo | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] == "Z":  # a zombie has ended; only its parent's wait is missing
        return None
    return ProcessInfo(pid=pid, ppid=int(fields[1]), pgid=int(fields[2]), start_ticks=int(fields[19]))


def all_processes() -> dict[int, ProcessInfo]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            info = _read_stat(int(entry.name))
            if info is not None:
                found[info.pid] = info
    return found


def tree(root: int, table: dict[int, ProcessInfo] | None = None) -> list[ProcessInfo]:
    """`root` and every live process below it (by parent links), root first."""
    table = table if table is not None else all_processes()
    children: dict[int, list[int]] = {}
    for info in table.values():
        children.setdefault(info.ppid, []).append(info.pid)
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            found.append(table[pid])
            stack.extend(children.get(pid, []))
    return found


def alive(info: ProcessInfo) -> bool:
    now = _read_stat(info.pid)
    return now is not None and now.start_ticks == info.start_ticks


def command_line(pid: int) -> str:
    """A process's command line ('' when it has ended or cannot be read)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    text = " ".join(" ".join(part.decode(errors="replace").split()) for part in raw.split(b"\0") if part)
    return text if len(text) <= 300 else text[:297] + "..."


# ---- starting and stopping children ---------------------------------------------------------------------

# Every child gets this variable, which its own children inherit: a comma-separated list of
# "<runner pid>.<runner start time>/<child number>" marks, one per runner above it. It finds a child's
# processes after their parent has ended (an orphan is re-parented, so the parent links no longer lead to it).
MARK_ENV = "TIANCHI_RUNNER_CHILD"
# What runs now: pid -> description, for the message when the runner is stopped.
_RUNNING: dict[int, str] = {}
# What stopping stopped, in order (runner.cli reports it).
STOPPED: list[str] = []
_started = [0]


def running() -> list[str]:
    return list(_RUNNING.values())


def runner_token(pid: int | None = None) -> str:
    """The mark prefix of a runner process: its PID and start time."""
    pid = pid or os.getpid()
    info = _read_stat(pid)
    return f"{pid}.{info.start_ticks if info else 0}"


def marked(prefix: str) -> list[ProcessInfo]:
    """Live processes whose MARK_ENV holds a mark starting with `prefix` (a runner token, or token/child)."""
    found = []
    needle = f"{MARK_ENV}=".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        for item in environ.split(b"\0"):
            if item.startswith(needle):
                marks = item[len(needle):].decode(errors="replace").split(",")
                if any(mark == prefix or mark.startswith(prefix + "/") or mark.startswith(prefix + ".")
                       for mark in marks):
                    info = _read_stat(int(entry.name))
                    if info is not None:
                        found.append(info)
                break
    return found


def _die_with_parent(death_signal: int, parent: int) -> Callable[[], None]:
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:  # runs in the child between fork and exec
        libc.prctl(_PR_SET_PDEATHSIG, int(death_signal), 0, 0, 0)
        if os.getppid() != parent:  # the runner died before prctl took effect
            os._exit(1)

    return preexec


def start(command: Sequence[str], *, death_signal: int = signal.SIGTERM, env: dict[str, str] | None = None,
          **popen: Any) -> subprocess.Popen[Any]:
    """Popen in a session of its own, marked (MARK_ENV), that receives `death_signal` when the runner dies
    (even by SIGKILL)."""
    raise_if_stopped()  # no child starts after a stop was asked for
    _started[0] += 1
    mark = f"{runner_token()}/{_started[0]}"
    env = dict(os.environ if env is None else env)
    env[MARK_ENV] = ",".join(filter(None, (env.get(MARK_ENV), mark)))
    process = subprocess.Popen(list(command), start_new_session=True, env=env,
                               preexec_fn=_die_with_parent(death_signal, os.getpid()), **popen)
    process.runner_mark = mark  # type: ignore[attr-defined]
    return process


def _members(process: subprocess.Popen[Any]) -> dict[int, ProcessInfo]:
    found = {info.pid: info for info in tree(process.pid)}
    mark = getattr(process, "runner_mark", None)
    if mark:
        found.update({info.pid: info for info in marked(mark)})
    return found


def stop_tree(process: subprocess.Popen[Any], what: str,
              signals: Sequence[tuple[int, float]] = TERMINATE, reaped_elsewhere: bool = False) -> None:
    """Stop `process` and every process below it, in any session, orphans included: each signal in turn to all
    of them (and to their process groups), each followed by its grace period, until none is left. Logs what
    it stopped. reaped_elsewhere: another thread waits on the child (the tzrec watchdog's case), so this
    function must not reap it."""
    _stopping[0] = True
    try:
        _stop_tree(process, what, signals, reaped_elsewhere)
    finally:
        _stopping[0] = False


def _stop_tree(process: subprocess.Popen[Any], what: str, signals: Sequence[tuple[int, float]],
               reaped_elsewhere: bool) -> None:
    members = _members(process)
    if not members:
        if not reaped_elsewhere:
            process.poll()
        return
    log.warning("stopping %s: PID %d and %d process(es) under it", what, process.pid, max(len(members) - 1, 0))
    own = {os.getpid(), os.getpgrp()}
    started = time.monotonic()
    left: list[ProcessInfo] = []
    for sig, grace in signals:
        for info in list(members.values()):
            if not alive(info):
                continue
            for kill, target in ((os.killpg, info.pgid), (os.kill, info.pid)):
                if target in own:
                    continue
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    kill(target, sig)
        deadline = time.monotonic() + grace
        while True:
            # processes started while stopping (a rank torchrun was starting) are stopped too
            members.update(_members(process))
            left = [info for info in members.values() if alive(info)]  # a zombie has ended: not alive
            if not left or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        if not left:
            break
    if not reaped_elsewhere:
        process.poll()
    how = f"{len(members)} process(es) ended in {time.monotonic() - started:.1f} s"
    if left:
        how += f"; still running: PIDs {', '.join(str(info.pid) for info in left)}"
    STOPPED.append(f"{what} ({how})")
    log.warning("stopped %s: %s", what, how)


def track(process: subprocess.Popen[Any], what: str) -> None:
    """List `process` as running (for the message when the runner is stopped) until untrack."""
    _RUNNING[process.pid] = what


def untrack(process: subprocess.Popen[Any]) -> None:
    _RUNNING.pop(process.pid, None)


@contextmanager
def supervised(process: subprocess.Popen[Any], what: str,
               signals: Sequence[tuple[int, float]] = TERMINATE,
               reaped_elsewhere: bool = False) -> Iterator[subprocess.Popen[Any]]:
    """Within the block, `process` is listed as running; any exception leaving the block (Ctrl-C, Stopped, an
    error) stops its whole tree first."""
    track(process, what)
    try:
        yield process
    except BaseException:
        stop_tree(process, what, signals, reaped_elsewhere)
        raise
    finally:
        untrack(process)


def run(command: Sequence[str], what: str, *, signals: Sequence[tuple[int, float]] = TERMINATE,
        input_text: str | None = None, capture: bool = False, **popen: Any) -> subprocess.CompletedProcess[str]:
    """subprocess.run for a child of the runner: own session, parent-death signal, its tree stopped on any
    exception (Ctrl-C, SIGTERM, ...). capture: stdout and stderr are returned as text."""
    pipes: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE} if capture else {}
    if input_text is not None:
        pipes["stdin"] = subprocess.PIPE
    process = start(command, text=True, **pipes, **popen)
    with supervised(process, what, signals):
        stdout, stderr = process.communicate(input_text)
        raise_if_stopped()  # a stop that came while it ended
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)
