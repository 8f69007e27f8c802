"""The runner's modules import one way: no two modules import each other, and no longer cycle either.

The graph is read from the source (every `import` and `from ... import`, at the top of a module or inside a
function), so a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_names(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the package (a package's name is its __init__.py)."""
    names = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports. Importing one's own parent package is left out: Python runs a
    package's __init__ before any of its modules, whatever the module imports."""
    modules = module_names(package_dir)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from a.b import c` imports the module a.b.c when there is one, else a.b
                targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                           for alias in node.names]
            else:
                continue
            for target in filter(None, map(resolve, targets)):
                if target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_runner_modules_import_each_other() -> None:
    graph = import_graph(ROOT / "runner")
    assert len(graph) > 30 and graph["runner.main_job"] >= {"runner.pipeline.score", "runner.pipeline.submit"}
    assert cycles(graph) == [], "runner modules that import each other (directly or through others)"


def test_the_check_finds_mutual_and_longer_cycles(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from pkg.b import thing\n",
        "b.py": "def f():\n    import pkg.a\n",  # a lazy import closes the cycle too
        "c.py": "from pkg.sub import d\n",
        "sub/__init__.py": "",
        "sub/d.py": "from pkg import e\n",
        "e.py": "import pkg.c\n",
        "f.py": "from pkg import a\n",  # imports into a cycle without being part of it
        "sub/g.py": "from pkg.sub import d\n",  # a module beside its package's other modules
    }
    for name, text in files.items():
        (package / name).write_text(text)
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.e", "pkg.sub.d"]]
