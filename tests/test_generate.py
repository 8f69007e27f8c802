"""The synthetic generator writes exactly the real formats, deterministically, without leaking 12-19."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from runner.synthetic import generate
from runner.synthetic.writer import ANSWERS_DIR, ANSWERS_FILE, EDITIONS, EXPECTED_UNTRACED_KEY, PROBABILITIES_FILE

TIME = re.compile(r"^2014-(11-(1[89]|2\d|30)|12-(0[1-9]|1[0-8])) ([01]\d|2[0-3])$")
GEOHASH = re.compile(r"^[0-9a-z]{7}$")
SMALL_USERS = 400


@pytest.fixture(scope="module")
def online(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("online")
    generate(out, n_users=SMALL_USERS, seed=7, edition="online", progress=False)
    return out


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("offline")
    generate(out, n_users=SMALL_USERS, seed=7, edition="offline", progress=False)
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_online_edition_behaviour_files_have_the_real_format(online: Path) -> None:
    spec = EDITIONS["online"]
    assert sorted(p.name for p in online.glob("*.txt")) == sorted([*spec.behavior_files, spec.item_file])
    rows = 0
    for name in spec.behavior_files:
        raw = (online / name).read_bytes()
        assert b"\r" not in raw and b'"' not in raw
        lines = raw.decode().splitlines()
        assert lines, f"{name} is empty"
        assert not lines[0].startswith("user_id"), "the online edition has no header"
        for line in lines:
            fields = line.split("\t")
            assert len(fields) == 6, line
            user_id, item_id, behavior, geohash, category, time = fields
            assert user_id.isdigit() and item_id.isdigit() and category.isdigit(), line
            assert behavior in {"1", "2", "3", "4"}, line
            assert geohash == "" or GEOHASH.match(geohash), line
            assert TIME.match(time), line
        rows += len(lines)
    assert rows > 100 * SMALL_USERS


def test_online_edition_item_file_repeats_items_per_location(online: Path) -> None:
    lines = (online / EDITIONS["online"].item_file).read_text().splitlines()
    fields = [line.split("\t") for line in lines]
    assert all(len(f) == 3 and f[0].isdigit() and f[2].isdigit() for f in fields)
    assert all(f[1] == "" or GEOHASH.match(f[1]) for f in fields)
    item_ids = [f[0] for f in fields]
    assert len(set(item_ids)) < len(item_ids), "multi-location items repeat their id"
    empty_share = sum(f[1] == "" for f in fields) / len(fields)
    assert 0.3 < empty_share < 0.9, "most P rows have no geohash, some do"


def test_offline_edition_is_csv_with_header_and_crlf(offline: Path) -> None:
    spec = EDITIONS["offline"]
    behaviour = (offline / spec.behavior_files[0]).read_bytes()
    assert behaviour.startswith(b"user_id,item_id,behavior_type,user_geohash,item_category,time\r\n")
    assert behaviour.count(b"\n") == behaviour.count(b"\r\n")
    second = behaviour.split(b"\r\n")[1].decode().split(",")
    assert len(second) == 6 and TIME.match(second[5])
    items = (offline / spec.item_file).read_bytes()
    assert items.startswith(b"item_id,item_geohash,item_category\r\n")


def test_same_seed_writes_identical_files_and_another_seed_does_not(online: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, n_users=SMALL_USERS, seed=7, edition="online", progress=False)
    assert _digest(again) == _digest(online)
    other = tmp_path / "other"
    generate(other, n_users=SMALL_USERS, seed=8, edition="online", progress=False)
    assert _digest(other)[EDITIONS["online"].behavior_files[0]] != _digest(online)[EDITIONS["online"].behavior_files[0]]


def test_12_19_is_only_in_the_answers(online: Path) -> None:
    spec = EDITIONS["online"]
    for name in spec.behavior_files:
        assert b"2014-12-19" not in (online / name).read_bytes()
    answers = online / ANSWERS_DIR / ANSWERS_FILE
    pairs = [tuple(line.split("\t")) for line in answers.read_text().splitlines()]
    assert pairs, "some pairs are bought on 12-19"
    assert len(set(pairs)) == len(pairs), "answers are distinct pairs"
    p_items = {line.split("\t")[0] for line in (online / spec.item_file).read_text().splitlines()}
    assert all(item in p_items for _, item in pairs), "answers are P items only"
    # Nothing under answers/ is a file the training path reads.
    assert {p.parent.name for p in online.rglob("*answers*")} <= {online.name, ANSWERS_DIR}


def test_purchase_probabilities_cover_known_pairs(online: Path) -> None:
    table = pq.read_table(online / ANSWERS_DIR / PROBABILITIES_FILE)
    assert table.column_names == ["user_id", "item_id", "prob"]
    prob = table.column("prob").to_numpy()
    assert ((prob > 0) & (prob < 1)).all()
    pairs = set(zip(table.column("user_id").to_pylist(), table.column("item_id").to_pylist(), strict=False))
    assert len(pairs) == table.num_rows
    assert float(table.schema.metadata[EXPECTED_UNTRACED_KEY]) > 0


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--users"):
        generate(tmp_path, n_users=0, progress=False)
    with pytest.raises(ValueError, match="--edition"):
        generate(tmp_path, n_users=10, edition="2w", progress=False)
