"""Entry point of every tzrec process the runner launches: `python -m tzrec_runner_entry tzrec.<module> ARGS`.

torchrun starts this module in each worker (`torchrun ... -m tzrec_runner_entry tzrec.train_eval ...`).
It does three things, then runs the tzrec module exactly as `python -m tzrec.<module> ARGS` would:

1. Appends `placeholders/` (stand-ins for Alibaba's `pyfg`, `graphlearn`, `common_io`) to the END of
   `sys.path`, so tzrec's module-top imports succeed and a real install, where one exists, wins.
2. Seeds Python's `random`, NumPy and torch from `TZREC_RUNNER_SEED` (when set). tzrec 0.9 has no seed
   field in its config and never seeds anything itself, so without this the weight initialisation (and
   the eval AUC) differs from run to run. Every rank gets the same seed, as torchrec's own examples do.
3. Leaves everything else alone: no tzrec or third-party code is patched.
"""

from __future__ import annotations

import os
import random
import runpy
import sys
from pathlib import Path

PLACEHOLDERS = str(Path(__file__).resolve().parent / "placeholders")
SEED_ENV = "TZREC_RUNNER_SEED"


def add_placeholders() -> None:
    if PLACEHOLDERS not in sys.path:
        sys.path.append(PLACEHOLDERS)


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
    add_placeholders()
    seed = os.environ.get(SEED_ENV)
    if seed:
        seed_everything(int(seed))
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
