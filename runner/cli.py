"""The command line: `python -m runner <command> --help` documents each command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from runner.paths import RAW_DIR

log = logging.getLogger("runner")

DESCRIPTION = """\
Tianchi mobile recommendation pipeline: synthetic data, dbt on DuckDB, and TorchEasyRec.

Typical use, from the project root:
  python -m runner generate            # write a calibrated synthetic month to data/raw/
  python -m runner build               # dbt build: staging, profile and every data test
  python -m runner profile             # the data profile beside the real statistics
  python -m runner oracle              # the best F1 any model could expect on 12-19
  python -m runner run                 # all of the above, generating data only if missing
"""


def _add_generate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "generate",
        help="write a synthetic month of logs in the real file formats",
        description=(
            "Simulate users, items and a browse -> collect/cart -> buy funnel from 2014-11-18 00h to "
            "2014-12-18 23h and write the raw files of the chosen edition. 2014-12-19 is simulated "
            "too, but only its answers (the pairs bought) and the generator's own purchase "
            "probabilities are written, to <out>/answers/, which no training step reads."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=20_000, help="number of users (the offline edition has 20,000)")
    parser.add_argument("--seed", type=int, default=20141219, help="random seed; the same seed writes the same files")
    parser.add_argument("--edition", choices=["online", "offline"], default="online",
                        help="online: tab-separated, no header, partA/partB; offline: CSV with header, CRLF")
    parser.add_argument("--out", type=Path, default=RAW_DIR, help="folder for the raw files")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _add_build(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "build",
        help="dbt build: staging, intermediate, profile models and all data tests",
        description="Run `dbt build` on the raw files (vars edition and raw_dir select them).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--edition", choices=["online", "offline"], default="online", help="raw file edition")
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help="folder holding the raw files")
    parser.add_argument("--select", default=None, help="dbt node selection (default: everything)")


def _add_profile(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "profile",
        help="print the data profile and calibration statistics beside the real values",
        description="Reads the profile models of the last `build` from the DuckDB file and prints them.",
    )


def _add_oracle(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "oracle",
        help="best expected F1 on 12-19 from the generator's latent probabilities",
        description=(
            "Ranks the generator's (user, P item) purchase probabilities for 12-19, picks the number of "
            "pairs that maximises the expected F1, and prints it beside the observed F1 of that same "
            "submission. An upper bound: it knows latent intent that no log shows."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help="folder holding answers/")


def _add_run(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="the main job: data (generated if missing) -> dbt build -> profile",
        description="Generates the default data when data/raw/ has none, builds everything with dbt, "
        "and prints the profile and the oracle bound.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=20_000, help="users to generate when data is missing")
    parser.add_argument("--seed", type=int, default=20141219, help="generator seed when data is missing")
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help="folder holding the raw files")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m runner", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_generate, _add_build, _add_profile, _add_oracle, _add_run):
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    from runner import commands  # imported late so that --help stays instant

    try:
        return commands.dispatch(args)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        log.error("%s", error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
