"""Where the tzrec interpreter is, and the environment every tzrec process gets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from runner.paths import PROJECT_ROOT

TZREC_PYTHON_ENV = "TZREC_PYTHON"
DEFAULT_TZREC_PYTHON = PROJECT_ROOT / ".venv-tzrec" / "bin" / "python"
# Put on the tzrec process's PYTHONPATH, and nowhere else: the entry point, the config helper and the
# placeholders for Alibaba-only modules (see runner/tzrec_shims/README.md).
SHIMS_DIR = Path(__file__).resolve().parent.parent / "tzrec_shims"


class TzrecNotFoundError(FileNotFoundError):
    pass


def find_tzrec_python(flag: str | Path | None = None) -> Path:
    """The tzrec interpreter: --tzrec-python, else $TZREC_PYTHON, else .venv-tzrec/bin/python.

    The path is made absolute but not resolved: a virtual environment's python is a symlink whose
    target does not know the environment.
    """
    if flag:
        path, source = Path(flag), "--tzrec-python"
    elif os.environ.get(TZREC_PYTHON_ENV):
        path, source = Path(os.environ[TZREC_PYTHON_ENV]), f"${TZREC_PYTHON_ENV}"
    else:
        path, source = DEFAULT_TZREC_PYTHON, "the default"
    path = path.expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise TzrecNotFoundError(
            f"the tzrec interpreter {path} ({source}) does not exist or is not executable: run `make setup` "
            f"to create {DEFAULT_TZREC_PYTHON.parent.parent.relative_to(PROJECT_ROOT)}/, or point "
            f"--tzrec-python or ${TZREC_PYTHON_ENV} at a Python that has tzrec installed"
        )
    return path


def tzrec_available(flag: str | Path | None = None) -> bool:
    try:
        find_tzrec_python(flag)
    except TzrecNotFoundError:
        return False
    return True


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a tzrec child: PYTHONPATH is the shims folder only.

    Any PYTHONPATH of the calling (dbt) environment is dropped on purpose: its protobuf 6 would break tzrec.
    """
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = str(SHIMS_DIR)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra or {})
    return env
