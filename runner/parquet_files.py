"""Reading the project's Parquet files so that a truncated or corrupt one is named, with the command that
writes it again, instead of pyarrow's bare "Parquet magic bytes not found in footer".

A file cut short (a stopped write, a full disk, a copy that did not finish) loses its footer, which every
reader needs first; a damaged page fails later, while the rows are decoded. Both come out as
CorruptParquetError. `rebuild_command` knows the project's layout: an export of the dbt build, a run's
predictions (tzrec, the GBDT, an average), the generator's answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from runner import paths
from runner.paths import OUTPUTS_DIR, shown


class CorruptParquetError(RuntimeError):
    """A Parquet file that cannot be read: its message names the file and the command that writes it again."""


def _run_of(path: Path) -> tuple[Path, str] | None:
    """(run folder, prediction set) of a file under <run>/predictions/<set>/ (or <set>.partial/)."""
    parts = path.absolute().parts
    if "predictions" not in parts:
        return None
    index = len(parts) - 1 - parts[::-1].index("predictions")
    if index + 1 >= len(parts):
        return None
    return Path(*parts[:index]), parts[index + 1].removesuffix(".partial")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def rebuild_command(path: Path) -> str:
    """The command that writes `path` again, in words a user can paste."""
    run = _run_of(path)
    if run is not None:
        run_dir, _ = run
        outputs = "" if run_dir.parent == OUTPUTS_DIR.absolute() else f" --outputs {shown(run_dir.parent)}"
        if (run_dir / "pipeline.config").is_file():
            seed = _read_json(run_dir / "logs" / "train.done.json").get("fingerprint", {}).get("seed")
            seed_arg = f" --seed {seed}" if seed is not None else ""
            return f"`python -m runner predict --config {run_dir.name}{outputs}{seed_arg} --force`"
        gbdt = _read_json(run_dir / "run.json")
        if gbdt:
            seed = (gbdt.get("params") or {}).get("seed")
            seed_arg = f" --seed {seed}" if seed is not None else ""
            return f"`python -m runner baseline gbdt --name {run_dir.name}{outputs}{seed_arg}`"
        info = _read_json(run_dir / "run_info.json")
        if "mean of model seeds" in str(info.get("model", "")) or str(info.get("model", "")).startswith("mean logit"):
            return "`python -m runner run` (the main job averages its model seeds again on every run)"
        if "combine" in info:
            members = str(info.get("params", "")).removeprefix("members=").replace(" + ", " outputs/")
            return f"`python -m runner ensemble --name {run_dir.name} --runs outputs/{members}`"
        return f"the model that wrote {shown(run_dir)}/predictions/"
    if path.absolute().parent.name == "answers":
        return "`python -m runner generate` (with the same --users and --seed)"
    return "`python -m runner build` (the dbt build writes the exports again)"


def corrupt(path: Path, error: BaseException) -> CorruptParquetError:
    reason = str(error).splitlines()[0] if str(error) else error.__class__.__name__
    size = path.stat().st_size if path.is_file() else None
    size_text = f", {size:,} bytes" if size is not None else ""
    return CorruptParquetError(
        f"{shown(path)} is not a readable Parquet file ({reason}{size_text}): it was cut short or damaged, e.g. "
        f"by a write that was stopped or a full disk. Write it again: {rebuild_command(path)}")


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn pyarrow's errors on reading `path` into CorruptParquetError (a missing file stays FileNotFoundError)."""
    try:
        yield
    except FileNotFoundError:
        raise
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as error:
        raise corrupt(path, error) from error


def read_table(path: Path, **options: Any) -> pa.Table:
    with reading(path):
        return pq.read_table(path, **options)


def read_schema(path: Path) -> pa.Schema:
    with reading(path):
        return pq.read_schema(path)


def read_metadata(path: Path) -> pq.FileMetaData:
    with reading(path):
        return pq.read_metadata(path)


def parquet_file(path: Path) -> pq.ParquetFile:
    with reading(path):
        return pq.ParquetFile(path)


def dataset_schema(path: Path) -> pa.Schema:
    """The schema of a file or of a folder of part files (a Spark build's export)."""
    with reading(path):
        return pq.ParquetDataset(path).schema


def check_readable(paths: Iterable[Path]) -> None:
    """Read the footer of every file; CorruptParquetError naming every unreadable one."""
    problems = []
    for path in paths:
        try:
            read_metadata(path)
        except CorruptParquetError as error:
            problems.append(str(error))
    if len(problems) == 1:
        raise CorruptParquetError(problems[0])
    if problems:
        raise CorruptParquetError(f"{len(problems)} Parquet files cannot be read:\n" +
                                  "\n".join(f"  - {problem}" for problem in problems))


class IncompleteOutputError(CorruptParquetError):
    """A prediction set whose write did not finish (its `.partial` folder is there)."""


def prediction_files(run_dir: Path, split: str) -> list[Path]:
    """A run's prediction files of one set (<run>/predictions/<split>/*.parquet), sorted, [] when none; refused
    (IncompleteOutputError) while a write of the set, or of the whole predictions/, has not finished."""
    folder = run_dir / "predictions" / split
    for partial in (folder.with_name(split + ".partial"), run_dir / "predictions.partial"):
        if partial.exists():
            raise IncompleteOutputError(
                f"the {split} predictions of {shown(run_dir)} are incomplete: {shown(partial)} is left by a write "
                f"that has not finished (it was stopped, or it still runs). Write them again: "
                f"{rebuild_command(folder / 'part-0.parquet')}")
    return paths.prediction_files(run_dir, split)
