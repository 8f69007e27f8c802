"""Files and folders that appear only when complete.

Everything a later stage reads is written under a temporary name beside its place, flushed to disk, then
renamed into place (a rename within a folder is atomic on POSIX file systems): a reader sees the old
version or the new one, never half of one, and a write that is stopped (Ctrl-C, SIGTERM, SIGKILL, a full
disk) leaves only the temporary, which the next write replaces. A folder of part files (a prediction set)
is written as `<name>.partial/` and renamed to `<name>/`; readers refuse a set whose `.partial` is there
(runner.parquet_files.prediction_files).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL_SUFFIX = ".partial"


def temporary_name(path: Path) -> Path:
    """Where `path` is written before it is renamed into place: hidden, beside it, unique to this process."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened for fsync
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield the temporary path to write; on success it is flushed and renamed to `path`, on any exception
    removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(path)
    try:
        yield temporary
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` so that a reader never sees part of it."""
    with replacing(path) as temporary:
        temporary.write_text(text, encoding=encoding)
    return path


def partial_folder(folder: Path) -> Path:
    return folder.with_name(folder.name + PARTIAL_SUFFIX)


@contextmanager
def replacing_folder(folder: Path) -> Iterator[Path]:
    """Yield `<folder>.partial/` (emptied first) to fill; on success it takes the place of `folder` (an older
    `folder` is moved aside, then deleted), on any exception it is left for readers to refuse and the next
    write to empty."""
    partial = partial_folder(folder)
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    yield partial
    for written in partial.iterdir():
        if written.is_file():
            with written.open("rb+") as handle:
                os.fsync(handle.fileno())
    move_into_place(partial, folder)


def move_into_place(partial: Path, folder: Path) -> None:
    """Rename a finished `partial` folder to `folder`, replacing an older one."""
    old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    if folder.exists():
        os.replace(folder, old)
    os.replace(partial, folder)
    _fsync_folder(folder.parent)
    shutil.rmtree(old, ignore_errors=True)
