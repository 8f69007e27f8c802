"""One tzrec step as a torchrun subprocess: full output to a log file, a short live summary on screen."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from runner import processes
from runner.tzrec.interpreter import child_env

log = logging.getLogger("runner.tzrec")

ENTRY_MODULE = "tzrec_runner_entry"
SEED_ENV = "TZREC_RUNNER_SEED"
# A step that prints nothing for this long is stopped as stalled: torch's DataLoader forks its workers
# from a process that already runs threads, and a fork can deadlock (seen once, in the 2-process test:
# rank 0's eval worker hung inside fork while rank 1 waited at a barrier). tzrec logs every few seconds
# while it trains, evaluates or predicts, so 30 silent minutes means a hang, not slow work.
STALL_ENV = "TZREC_STALL_SECONDS"
DEFAULT_STALL_SECONDS = 1800.0
# tzrec's own log lines look like "[2026-11-28 23:57:49,666][INFO] Saving checkpoint to ...".
_TZREC_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+\]\[(INFO|WARNING|ERROR)\] (?P<text>.*)$")
_SHOWN = re.compile(
    r"^(Training Epoch|Evaluating|Eval Result|Saving checkpoint|Restoring checkpoint|Predicting|Model Outputs"
    r"|Train and Evaluate Finished|Evaluate Finished|Predict Finished|Export)"
)
# The root cause of a failure: "[rank0]: ValueError: column [x] ..." or a bare "ValueError: ...".
_ERROR = re.compile(r"^(\[rank\d+\]:\s*)?(?P<error>([A-Za-z_][\w.]*)?(Error|Exception|Interrupt)\b.*)$")
_IGNORED_ERRORS = ("ChildFailedError", "torch.distributed.elastic")


class TzrecStepError(RuntimeError):
    pass


@dataclass(frozen=True)
class StepRun:
    """What one finished tzrec step cost."""

    seconds: float
    # The largest resident set of torchrun and the workers it waited for (Linux wait4's ru_maxrss):
    # the peak of one process, not the sum over ranks.
    peak_rss_gb: float


def torchrun_command(python: Path, module: str, args: Sequence[str], nproc: int) -> list[str]:
    return [
        str(python), "-m", "torch.distributed.run", "--standalone", "--nnodes=1", f"--nproc-per-node={nproc}",
        "-m", ENTRY_MODULE, module, *args,
    ]


def _root_cause(lines: Sequence[str]) -> str | None:
    for line in reversed(lines):
        match = _ERROR.match(line.strip())
        if match and not any(skip in line for skip in _IGNORED_ERRORS):
            return match.group("error")
    return None


def stall_seconds_from_env() -> float | None:
    """The stall limit: TZREC_STALL_SECONDS (0 turns it off), else DEFAULT_STALL_SECONDS."""
    value = os.environ.get(STALL_ENV)
    if value is None:
        return DEFAULT_STALL_SECONDS
    try:
        seconds = float(value)
    except ValueError as error:
        raise TzrecStepError(f"{STALL_ENV}={value!r} is not a number of seconds (0 turns the limit off)") from error
    return seconds if seconds > 0 else None


def run_step(
    step: str,
    python: Path,
    module: str,
    args: Sequence[str],
    *,
    nproc: int,
    log_path: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stall_seconds: float | None = None,
) -> StepRun:
    """Run `torchrun ... -m tzrec_runner_entry <module> <args>`; return its cost, raise TzrecStepError on failure
    or when it prints nothing for stall_seconds (None: stall_seconds_from_env(); 0: no limit)."""
    if stall_seconds is None:
        stall_seconds = stall_seconds_from_env()
    elif stall_seconds <= 0:
        stall_seconds = None
    command = torchrun_command(python, module, args, nproc)
    full_env = child_env(env)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    shown_env = {key: full_env[key] for key in ("PYTHONPATH", "QUANT_EMB", SEED_ENV, "OMP_NUM_THREADS")
                 if key in full_env}
    log.info("%s: running tzrec (%s process%s), log: %s", step, nproc, "es" if nproc > 1 else "", log_path)
    tail: deque[str] = deque(maxlen=400)
    started = time.monotonic()
    last_output = [started]
    stalled = threading.Event()
    finished = threading.Event()
    # line-buffered: the log is where the runner tells the user to look, so each line is on disk as it comes
    with log_path.open("w", encoding="utf-8", buffering=1) as handle:
        handle.write(f"# cwd: {cwd}\n# env: {shown_env}\n# command: {' '.join(command)}\n\n")
        handle.flush()
        # a session of its own, so that a stalled or stopped step can be stopped with every process under it
        # (torchrun gets SIGTERM if the runner dies, and then stops its ranks)
        process = processes.start(command, cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1)
        assert process.stdout is not None
        what = f"tzrec {step} (torchrun, {nproc} rank{'s' if nproc > 1 else ''})"

        def watch(limit: float) -> None:
            while not finished.wait(min(5.0, limit)):
                if time.monotonic() - last_output[0] > limit:
                    stalled.set()
                    # the main thread reaps the child (os.wait4 below); this thread only signals and waits
                    processes.stop_tree(process, what, reaped_elsewhere=True)
                    return

        if stall_seconds is not None:
            threading.Thread(target=watch, args=(stall_seconds,), name=f"tzrec-{step}-watchdog", daemon=True).start()
        try:
            processes.track(process, what)
            for line in process.stdout:
                processes.raise_if_stopped()
                last_output[0] = time.monotonic()
                handle.write(line)
                line = line.rstrip("\n")
                tail.append(line)
                match = _TZREC_LINE.match(line)
                if match and _SHOWN.match(match.group("text")):
                    log.info("%s | %s", step, match.group("text")[:200])
            # wait4 (not Popen.wait) to read the peak memory of this child and its reaped workers
            _, status, usage = os.wait4(process.pid, 0)
            returncode = os.waitstatus_to_exitcode(status)
            process.returncode = returncode
        except BaseException:
            # Ctrl-C, SIGTERM/SIGHUP (runner.processes.Stopped) or an error: torchrun, its ranks and their
            # DataLoader workers are stopped before the exception goes on
            processes.stop_tree(process, what)
            raise
        finally:
            finished.set()
            processes.untrack(process)
    if stalled.is_set():
        raise TzrecStepError(
            f"tzrec {step} stalled: it printed nothing for {stall_seconds:.0f} s, so the runner stopped it "
            f"after {time.monotonic() - started:.0f} s. A known cause is a torch DataLoader worker that "
            "deadlocks as it forks; run the same command again (finished steps are reused, this one starts "
            f"afresh). {STALL_ENV} sets the limit in seconds (0 turns it off).\n  full log: {log_path}")
    seconds = time.monotonic() - started
    if returncode != 0:
        cause = _root_cause(list(tail))
        last = "\n".join(f"    {line}" for line in list(tail)[-8:] if line.strip())
        detail = f": {cause}" if cause else f"; its last lines:\n{last}"
        raise TzrecStepError(f"tzrec {step} failed (exit {returncode}) after {seconds:.0f} s{detail}\n"
                             f"  full log: {log_path}")
    peak_rss_gb = usage.ru_maxrss / 1024**2  # ru_maxrss is in KiB on Linux
    log.info("%s: finished in %.1f s (peak RSS %.2f GB)", step, seconds, peak_rss_gb)
    return StepRun(seconds=seconds, peak_rss_gb=peak_rss_gb)
