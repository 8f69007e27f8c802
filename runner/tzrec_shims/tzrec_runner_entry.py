"""Entry point of every tzrec process the runner launches: `python -m tzrec_runner_entry tzrec.<module> ARGS`.

torchrun starts this module in each worker (`torchrun ... -m tzrec_runner_entry tzrec.train_eval ...`).
It does four things, then runs the tzrec module exactly as `python -m tzrec.<module> ARGS` would:

1. Appends `placeholders/` (stand-ins for Alibaba's `pyfg`, `graphlearn`, `common_io`) to the END of
   `sys.path`, so tzrec's module-top imports succeed and a real install, where one exists, wins.
2. Seeds Python's `random`, NumPy and torch from `TZREC_RUNNER_SEED` (when set). tzrec 0.9 has no seed
   field in its config and never seeds anything itself, so without this the weight initialisation (and
   the eval AUC) differs from run to run. Every rank gets the same seed, as torchrec's own examples do.
3. Asks Linux to send this worker SIGTERM when its parent, torchrun, dies, even by SIGKILL: torchrun starts
   each worker in a session of its own, so an orphaned worker would otherwise go on writing into the run
   folder (the runner gives torchrun the same signal for the runner's own death: runner/processes.py).
4. Leaves everything else alone: no tzrec or third-party code is patched.
"""

from __future__ import annotations

import ctypes
import os
import random
import runpy
import signal
import sys
from pathlib import Path

PLACEHOLDERS = str(Path(__file__).resolve().parent / "placeholders")
SEED_ENV = "TZREC_RUNNER_SEED"


def add_placeholders() -> None:
    if PLACEHOLDERS not in sys.path:
        sys.path.append(PLACEHOLDERS)


def die_with_parent() -> None:
    """SIGTERM this process when its parent ends (prctl PR_SET_PDEATHSIG; Linux only, a no-op elsewhere)."""
    parent = os.getppid()
    try:
        ctypes.CDLL(None).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the request took effect
        sys.exit("tzrec_runner_entry: torchrun ended before this worker started")


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU generator and every CUDA device


def main() -> None:
    if len(sys.argv) < 2 or not sys.argv[1].startswith("tzrec"):
        sys.exit("usage: python -m tzrec_runner_entry tzrec.<module> [ARGS...]")
    module = sys.argv[1]
    die_with_parent()
    add_placeholders()
    seed = os.environ.get(SEED_ENV)
    if seed:
        seed_everything(int(seed))
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
