"""The placeholders for Alibaba's pyfg / graphlearn / common_io, run in the tzrec interpreter."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from runner.tzrec.interpreter import SHIMS_DIR, child_env


def _run(python: Path, code: str, pythonpath: str | None = None) -> subprocess.CompletedProcess[str]:
    env = child_env({"PYTHONPATH": pythonpath} if pythonpath else None)
    return subprocess.run([str(python), "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_tzrec_imports_with_placeholders(tzrec_python: Path) -> None:
    """What the runner launches imports: the train_eval / eval / export / predict modules and the ODPS reader."""
    result = _run(tzrec_python, """
        import tzrec_runner_entry
        tzrec_runner_entry.add_placeholders()
        import tzrec.train_eval, tzrec.eval, tzrec.export, tzrec.predict
        import tzrec.datasets.odps_dataset_v1, tzrec.datasets.sampler
        import pyfg, graphlearn, common_io
        print("placeholders:", pyfg.__file__, graphlearn.__file__, common_io.__file__)
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "placeholders:" in result.stdout
    assert str(SHIMS_DIR / "placeholders" / "pyfg") in result.stdout


def test_using_a_placeholder_raises_naming_the_feature(tzrec_python: Path) -> None:
    result = _run(tzrec_python, """
        import tzrec_runner_entry
        tzrec_runner_entry.add_placeholders()
        import pyfg, graphlearn, common_io
        from graphlearn.python.nn.pytorch.data import utils
        from graphlearn.python.data.values import Values

        # what tzrec does at import time works: annotations, isinstance, class attributes
        assert not isinstance(object(), pyfg.FgHandler)
        Values.string_attrs = property(lambda self: None)
        for call in (lambda: pyfg.FgHandler({"features": []}, 1),
                     lambda: pyfg.FeatureFactory.create({}, True),
                     lambda: graphlearn.Graph(),
                     lambda: utils.launch_server({}),
                     lambda: common_io.table.TableReader("odps://x")):
            try:
                call()
            except RuntimeError as error:
                print(type(error).__name__, "|", error)
            else:
                raise SystemExit("a placeholder call did not raise")
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5
    assert all(line.startswith("PlaceholderError |") for line in lines)
    assert "pyfg.FgHandler() was called: pyfg is not available here" in lines[0]
    assert "fg_mode FG_DAG/FG_NORMAL" in lines[0] and "FG_NONE" in lines[0]
    assert "pyfg.FeatureFactory.create()" in lines[1]
    assert "graphlearn is not available here" in lines[2] and "negative_sampler" in lines[2]
    assert "graphlearn.python.nn.pytorch.data.utils.launch_server()" in lines[3]
    assert "common_io is not available here" in lines[4] and "ParquetDataset" in lines[4]


def test_a_real_install_wins_over_the_placeholder(tzrec_python: Path, tmp_path: Path) -> None:
    """The placeholders go to the end of sys.path: an installed pyfg (a GPU/PAI box) is the one imported."""
    (tmp_path / "pyfg.py").write_text("REAL = True\n")
    result = _run(tzrec_python, """
        import tzrec_runner_entry
        tzrec_runner_entry.add_placeholders()
        import pyfg, graphlearn
        print(pyfg.REAL, graphlearn.__file__)
    """, pythonpath=f"{tmp_path}:{SHIMS_DIR}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("True ")
    assert "placeholders" in result.stdout


def test_placeholders_are_not_on_the_default_path(tzrec_python: Path) -> None:
    """Only the entry point puts them on sys.path: nothing is installed into the environment."""
    result = _run(tzrec_python, "import importlib.util; print(importlib.util.find_spec('pyfg'))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"
