"""`python tests/fault_wrapper.py STAGE ARG...`: `python -m runner ARG...` run from the current folder (a copy of the
project), with a pause of a minute in the middle of STAGE, announced by the line `FAULT-PAUSE <stage>`, so that
the fault-injection test (tests/test_fault_injection.py) can stop the runner inside a stage that otherwise takes
milliseconds. Nothing else changes: the stage's own code runs before and after the pause.

    profile  after the profile was read from the database, before it is printed
    average  after the average's first prediction set was written into predictions.partial/, before the others
    submit   after the submission was written to <name>.tsv.partial, before it is checked and renamed
    none     no pause
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

PAUSE_SECONDS = 60.0


def _pause(stage: str) -> None:
    print(f"FAULT-PAUSE {stage}", flush=True)
    time.sleep(PAUSE_SECONDS)


def main() -> int:
    stage, args = sys.argv[1], sys.argv[2:]
    sys.path.insert(0, os.getcwd())  # the copy's runner, not the checkout's
    import pyarrow.parquet as pq

    import runner.profile
    import runner.submission
    from runner.cli import main as runner_main

    if stage == "profile":
        render = runner.profile.render_profile

        def paused_render(*a: Any, **k: Any) -> str:
            text = render(*a, **k)
            _pause(stage)
            return text

        runner.profile.render_profile = paused_render
    elif stage == "average":
        write = pq.write_table
        written: list[object] = []

        def paused_write(table: Any, where: Any, **k: Any) -> None:
            write(table, where, **k)
            if "predictions.partial" in str(where) and not written:
                written.append(where)
                _pause(stage)

        pq.write_table = paused_write
    elif stage == "submit":
        check = runner.submission.check_submission_file

        def paused_check(*a: Any, **k: Any) -> Any:
            _pause(stage)
            return check(*a, **k)

        runner.submission.check_submission_file = paused_check
    elif stage != "none":
        raise SystemExit(f"fault_wrapper: no pause point in stage {stage!r}")
    return runner_main(args)


if __name__ == "__main__":
    sys.exit(main())
