"""Generated answers count only for the raw files they were generated with: the generator lists its raw files,
name and size, in answers/raw_files.tsv, and the build reads the answers only when the raw files it reads are
exactly those (dbt_project/macros/answers_manifest.sql). Otherwise the build says "answers ignored" and why,
and the leaderboard stays empty, instead of scoring a submission against another month's purchases.

Each build here is the answers' staging view alone (a few seconds of parsing)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from dbt_helpers import DbtProject, generated_vars

from runner.synthetic import generate

pytestmark = pytest.mark.slow
PART_A = "tianchi_fresh_comp_train_user_online_partA.txt"


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("answers_month")
    generate(out, n_users=300, seed=5, progress=False)
    return out


@pytest.fixture(scope="module")
def answers_read(dbt_project: Callable[[str], DbtProject]) -> Callable[[Path], tuple[int, str]]:
    """Build stg_tianchi__answers on a raw folder with its answers: (answer rows read, dbt's output)."""
    project = dbt_project("answers_manifest")

    def build(raw: Path) -> tuple[int, str]:
        run = project.run("build", "--select", "stg_tianchi__answers",
                          dbt_vars=generated_vars(raw, project.workdir / "processed")).check()
        (count,), = run.query("select count(*) from stg_tianchi__answers")
        return count, run.output

    return build


def test_the_generated_month_reads_its_own_answers(month: Path,
                                                   answers_read: Callable[[Path], tuple[int, str]]) -> None:
    count, output = answers_read(month)
    expected = len((month / "answers" / "answers_20141219.txt").read_text().splitlines())
    assert count == expected > 0 and "answers ignored" not in output
    assert (month / "answers" / "raw_files.tsv").read_text().startswith("file\tbytes\n")


def test_answers_of_other_raw_files_are_ignored_with_the_reason(
        month: Path, answers_read: Callable[[Path], tuple[int, str]], tmp_path: Path) -> None:
    edited = shutil.copytree(month, tmp_path / "edited")
    size = (edited / PART_A).stat().st_size
    line = "1\t2\t1\t\t3\t2014-12-01 10\n"
    with (edited / PART_A).open("a") as handle:  # the raw files are no longer the ones the answers were drawn for
        handle.write(line)
    count, output = answers_read(edited)
    assert count == 0
    assert "answers ignored: " in output and "belongs to a generated month, not these raw files" in output
    assert f"{PART_A} has {size + len(line)} bytes, its file had {size}" in output
    assert "The leaderboard stays empty" in output


def test_answers_without_a_manifest_are_ignored(month: Path, answers_read: Callable[[Path], tuple[int, str]],
                                               tmp_path: Path) -> None:
    old = shutil.copytree(month, tmp_path / "old")
    (old / "answers" / "raw_files.tsv").unlink()  # a month generated before the manifest existed
    count, output = answers_read(old)
    assert count == 0 and "raw_files.tsv (the generator writes one beside its answers)" in output
