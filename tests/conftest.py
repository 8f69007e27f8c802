"""Settings for the whole suite."""

from __future__ import annotations

import os

from runner.tzrec.launch import STALL_ENV

# A tzrec step that prints nothing for 3 minutes has hung (runner/tzrec/launch.py: the runner stops it and
# says so); the suite's tiny runs print every few seconds. The default for real runs is 30 minutes.
os.environ.setdefault(STALL_ENV, "180")
