"""`dbt build` on the raw files: staging, features, exports and every data and unit test.

A full build ends by writing a record beside the database (`<database>.build.json`: what it was built from,
and the exports it left); `run` reuses a build whose record still matches (the same raw files by path, size
and modification time, the same dbt project files, the same scale and its vars, the exports untouched
since), as it reuses finished tzrec steps. The record is removed when a build starts, so a build that was
stopped or failed is never reused whole; building again continues where it stopped, reusing each table and
export it finished (dbt_project/macros/materializations/).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner import atomic
from runner.dbt import run_dbt
from runner.locks import database_lock
from runner.paths import PROCESSED_DIR, PROJECT_ROOT, RAW_DIR, duckdb_path, duckdb_temp_dir, shown
from runner.pipeline.retrieval import Candidates, build_retrieval_exports

if TYPE_CHECKING:
    from runner.scales import Scale

log = logging.getLogger("runner")

# What a build reads besides the raw files: a change to any of them means building again.
PROJECT_INPUTS = ("models_sql", "dbt_project", "dbt_project.yml", "profiles.yml")


def build_record_path(kind: str = "build") -> Path:
    """The record of a finished build beside the database: <database>.build.json; kind `retrieval`: of the
    retrieval exports' build (`run --retrieval`)."""
    database = duckdb_path()
    return database.with_name(f"{database.name}.{kind}.json")


def _read_record(path: Path) -> dict[str, Any]:
    """A build record ({} when there is none, or it cannot be read)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_record(path: Path, fingerprint: dict[str, Any], exports: list[list[Any]]) -> None:
    atomic.write_text(path, json.dumps({"finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                        "fingerprint": fingerprint, "exports": exports}, indent=2) + "\n")


def _stamps(paths: list[Path]) -> list[list[Any]]:
    return [[shown(path), path.stat().st_size, path.stat().st_mtime_ns] for path in paths if path.is_file()]


def _project_hash() -> str:
    digest = hashlib.sha256()
    for name in PROJECT_INPUTS:
        root = PROJECT_ROOT / name
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _raw_inputs(raw_dir: Path, edition: str) -> list[Path]:
    from runner.synthetic.writer import ANSWERS_DIR, EDITIONS

    spec = EDITIONS[edition]
    answers = sorted((raw_dir / ANSWERS_DIR).glob("*")) if (raw_dir / ANSWERS_DIR).is_dir() else []
    return [raw_dir / name for name in (*spec.behavior_files, spec.item_file)] + answers


def build_fingerprint(raw_dir: Path, edition: str, scale: Scale | None = None,
                      candidates: Candidates | None = None) -> dict[str, Any]:
    """What a build is built from; with retrieved candidates, also their vars and the retrieved files."""
    fingerprint: dict[str, Any] = {
        "edition": edition, "raw_dir": shown(raw_dir), "raw_files": _stamps(_raw_inputs(raw_dir, edition)),
        "project": _project_hash(), "target": os.environ.get("DBT_TARGET", "duckdb"), "database": shown(duckdb_path()),
        "scale": None if scale is None else {"name": scale.name, "dbt_vars": scale.dbt_vars,
                                             "duckdb": scale.duckdb_env}}
    if candidates is not None:  # a build without them records no key, as before they existed
        fingerprint["candidates"] = {**candidates.dbt_vars(), "retrieved": _stamps(candidates.files())}
    return fingerprint


def _exports() -> list[list[Any]]:
    return _stamps(sorted(PROCESSED_DIR.rglob("*"))) if PROCESSED_DIR.is_dir() else []


def build_is_current(raw_dir: Path, edition: str, scale: Scale | None = None,
                     candidates: Candidates | None = None) -> tuple[bool, str]:
    """Whether the last full build was of these raw files with this project, its exports untouched since."""
    record = _read_record(build_record_path())
    if not record:
        return False, "no finished build recorded"
    if not duckdb_path().exists():
        return False, f"{shown(duckdb_path())} does not exist"
    old, new = record.get("fingerprint", {}), build_fingerprint(raw_dir, edition, scale, candidates)
    changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    if changed:
        return False, f"its inputs changed ({', '.join(changed)})"
    if record.get("exports") != _exports():
        return False, f"the exports in {shown(PROCESSED_DIR)} changed since"
    return True, f"built {record.get('finished_at', '?')}"


def dbt_build(raw_dir: Path = RAW_DIR, edition: str = "online", select: str | None = None,
              scale: Scale | None = None, candidates: Candidates | None = None) -> None:
    """`dbt build [--select ...]` with vars edition and raw_dir, a scale's vars and DuckDB settings (runner.scales)
    and, with `candidates`, the vars that join retrieved pairs to the candidates. The project creates the exports'
    folder (var processed_dir) itself, on run start (dbt_project/macros/create_processed_dir.sql). A build that
    stopped continues where it stopped: what it finished is reused (dbt_project/macros/materializations/). A full
    build records itself for build_is_current."""
    dbt_args = ["build"] + (["--select", select] if select else [])
    dbt_vars = {"edition": edition, "raw_dir": shown(raw_dir), **(scale.dbt_vars if scale else {}),
                **(candidates.dbt_vars() if candidates else {})}
    with database_lock():  # one build into a database file at a time: a second one stops at once
        build_record_path().unlink(missing_ok=True)
        remove_stale_spill()
        run_dbt(dbt_args, dbt_vars=dbt_vars, env=scale.duckdb_env if scale else None)
        if select is None:
            _write_record(build_record_path(), build_fingerprint(raw_dir, edition, scale, candidates), _exports())


def retrieval_exports_unless_current(raw_dir: Path, edition: str, scale: Scale | None = None) -> bool:
    """`run --retrieval`'s first stage: dbt builds the retrieval exports and the id buckets without candidates
    (runner.pipeline.retrieval), unless the last such build had the same inputs as a full build would (raw files,
    dbt project, scale) and its retrieval exports are untouched since. True when it built. The month's own build
    rebuilds what the candidates change (the samples, the id buckets), which leaves the retrieval exports as they
    are, so a second run retrieves and builds nothing again."""
    def exports() -> list[list[Any]]:
        return _stamps(sorted(PROCESSED_DIR.glob("retrieval_*.parquet")))

    record_path = build_record_path("retrieval")
    with database_lock():
        fingerprint = build_fingerprint(raw_dir, edition, scale)
        record = _read_record(record_path)
        if duckdb_path().exists() and record.get("fingerprint") == fingerprint and record.get("exports") == exports():
            log.info("retrieval exports: reusing those of %s (built %s from the same raw files, dbt project and "
                     "scale, untouched since)", shown(PROCESSED_DIR), record.get("finished_at", "?"))
            return False
        record_path.unlink(missing_ok=True)
        build_retrieval_exports({"edition": edition, "raw_dir": shown(raw_dir), **(scale.dbt_vars if scale else {})},
                                env=scale.duckdb_env if scale else None)
        _write_record(record_path, fingerprint, exports())
        return True


def remove_stale_spill() -> None:
    """Deletes the spill files a stopped build left in DuckDB's temp folder (DuckDB deletes its own when it
    closes, which a stopped process does not: at the online scale one stop left 7.4 GB). Called with the
    database's lock held, so no running build owns them."""
    temp = duckdb_temp_dir()
    stale = sorted(temp.glob("duckdb_temp_*")) if temp.is_dir() else []
    if stale:
        size = sum(path.stat().st_size for path in stale if path.is_file())
        for path in stale:
            path.unlink(missing_ok=True)
        log.info("dbt build: removed %d spill files (%.1f GB) a stopped build left in %s", len(stale), size / 1e9,
                 shown(temp))


def build_unless_current(raw_dir: Path, edition: str, scale: Scale | None = None,
                         candidates: Candidates | None = None) -> bool:
    """`run`'s build stage: reuse the last full build when it is current, else build; True when it built."""
    with database_lock():
        current, reason = build_is_current(raw_dir, edition, scale, candidates)
        if current:
            log.info("dbt build: reusing the build of %s (%s; the same raw files, dbt project, scale and vars, the "
                     "exports untouched; `python -m runner build` builds again)", shown(duckdb_path()), reason)
            return False
        log.info("dbt build: building (%s)", reason)
        dbt_build(raw_dir, edition, scale=scale, candidates=candidates)
        return True
