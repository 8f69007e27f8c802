"""The submission file: the dbt `submission` model of a scored run, written in the competition's format.

    outputs/submission_<model>_<version>.tsv    user_id<TAB>item_id per line, no header

The format (TASK.md, online edition): two columns, tab-separated, no header, no duplicate pair,
every item in P. The file is checked after it is written, by reading it back, against the P items
of the database (int_p_items); any breach stops with the lines at fault.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from runner.experiments import RunName
from runner.paths import shown
from runner.scoring import connect

log = logging.getLogger("runner.submission")

SHOWN_PROBLEMS = 5


class SubmissionError(ValueError):
    """The submission file breaks the competition's format."""


@dataclass(frozen=True)
class SubmissionFile:
    path: Path
    pairs: int
    users: int
    items: int


def submission_path(run_dir: Path, out_dir: Path | None = None) -> Path:
    """<outputs>/submission_<model>_<version>.tsv for a run named <stage>_<model>_<version>."""
    name = RunName.parse(run_dir.name)
    stem = f"{name.model}_{name.version}" if name.version else run_dir.name
    return (out_dir or run_dir.parent) / f"submission_{stem}.tsv"


def check_submission_file(path: Path, p_items: set[int]) -> SubmissionFile:
    """Read the file back and check the format; SubmissionError lists every kind of breach found."""
    problems: dict[str, list[str]] = {}

    def problem(kind: str, where: str) -> None:
        problems.setdefault(kind, []).append(where)

    data = path.read_bytes()
    if not data:
        raise SubmissionError(f"{shown(path)} is empty: a submission needs at least one pair")
    if b"\r" in data:
        problem("carriage return (CRLF line ends)", "the file")
    if not data.endswith(b"\n"):
        problem("no line end after the last line", "the file")
    seen: dict[tuple[int, int], int] = {}
    users: set[int] = set()
    items: set[int] = set()
    for number, line in enumerate(data.decode("ascii", errors="replace").splitlines(), start=1):
        fields = line.split("\t")
        if len(fields) != 2:
            problem("not exactly two tab-separated fields", f"line {number}: {line[:60]!r}")
            continue
        if not all(field.isdigit() for field in fields):
            looks_like_header = number == 1 and not any(field.isdigit() for field in fields)
            kind = "a header line" if looks_like_header else "ids that are not plain integers"
            problem(kind, f"line {number}: {line[:60]!r}")
            continue
        pair = (int(fields[0]), int(fields[1]))
        if pair in seen:
            problem("duplicate pairs", f"line {number} repeats line {seen[pair]}: {line}")
            continue
        seen[pair] = number
        users.add(pair[0])
        items.add(pair[1])
        if pair[1] not in p_items:
            problem("items not in P", f"line {number}: item {pair[1]}")
    if problems:
        details = []
        for kind, where in problems.items():
            more = f" (and {len(where) - SHOWN_PROBLEMS} more)" if len(where) > SHOWN_PROBLEMS else ""
            details.append(f"  {kind}: {'; '.join(where[:SHOWN_PROBLEMS])}{more}")
        raise SubmissionError(f"{shown(path)} breaks the submission format:\n" + "\n".join(details))
    return SubmissionFile(path=path, pairs=len(seen), users=len(users), items=len(items))


def write_submission(path: Path, database: Path | None = None) -> SubmissionFile:
    """Write the `submission` table to `path` and check the file against int_p_items."""
    with connect(database) as connection:
        pairs = connection.execute("select user_id, item_id from submission order by user_id, item_id").fetchall()
        p_items = {row[0] for row in connection.execute("select item_id from int_p_items").fetchall()}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="\n") as handle:
        handle.writelines(f"{user_id}\t{item_id}\n" for user_id, item_id in pairs)
        handle.flush()
        os.fsync(handle.fileno())  # on disk before the rename below makes it the submission
    try:
        checked = check_submission_file(partial, p_items)
    except SubmissionError:
        log.error("the rejected file is kept for inspection: %s", shown(partial))
        raise
    if checked.pairs != len(pairs):
        raise SubmissionError(f"{shown(partial)} holds {checked.pairs:,} pairs, the submission model {len(pairs):,}")
    partial.replace(path)
    return SubmissionFile(path=path, pairs=checked.pairs, users=checked.users, items=checked.items)
