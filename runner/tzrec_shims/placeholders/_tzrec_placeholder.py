"""Shared machinery of the placeholder modules for tzrec's Alibaba-only imports.

tzrec imports `pyfg`, `graphlearn` and `common_io` at module top, but with `fg_mode: FG_NONE` on
Parquet input it never *uses* them. A placeholder module imports cleanly; every attribute of it
(at any depth: `graphlearn.python.nn.pytorch.data.utils.launch_server`) is a stand-in class that
can sit in an annotation, an `isinstance` check or a class-attribute assignment (all of which
tzrec does at import time), and that raises `PlaceholderError`, naming the unsupported feature,
the moment it is called, instantiated or used in an expression.

This folder is appended to the END of `sys.path` by `tzrec_runner_entry`, so a real install of
any of these packages (on an Alibaba/PAI box) always wins over the placeholder.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any, NoReturn

__all__ = ["PlaceholderError", "make_placeholder_package"]

_MODULE_DUNDERS = frozenset({"__path__", "__file__", "__spec__", "__loader__", "__wrapped__", "__all__"})


class PlaceholderError(RuntimeError):
    """Raised when tzrec reaches a feature that needs one of Alibaba's closed packages."""


def _raise(message: str, what: str) -> NoReturn:
    raise PlaceholderError(f"{what}: {message}")


class _StandInMeta(type):
    """Metaclass of the stand-ins: attribute access nests, calling raises."""

    _message: str
    _qualname: str

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _stand_in(f"{cls._qualname}.{name}", cls._message)

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        _raise(cls._message, f"{cls._qualname}() was called")

    def __repr__(cls) -> str:
        return f"<placeholder {cls._qualname}: not available here>"

    def __bool__(cls) -> bool:
        # `if pyfg.Something:` must not silently take the "available" branch.
        _raise(cls._message, f"{cls._qualname} was tested for truth")


def _stand_in(qualname: str, message: str) -> type:
    return _StandInMeta(qualname.rsplit(".", 1)[-1], (), {"_message": message, "_qualname": qualname})


class _PlaceholderModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name in _MODULE_DUNDERS or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(name)
        return _stand_in(f"{self.__name__}.{name}", self._placeholder_message)


class _SubmoduleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes `import <root>.any.sub.module` succeed with placeholder submodules."""

    def __init__(self, root: str, message: str) -> None:
        self.root = root
        self.message = message

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(self.root + "."):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _PlaceholderModule(spec.name)
        module._placeholder_message = self.message
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def make_placeholder_package(module: types.ModuleType, message: str) -> None:
    """Turn the calling package `module` into a placeholder (attributes and submodules)."""
    module.__class__ = _PlaceholderModule
    module._placeholder_message = message
    module.PlaceholderError = PlaceholderError
    if not any(isinstance(f, _SubmoduleFinder) and f.root == module.__name__ for f in sys.meta_path):
        sys.meta_path.append(_SubmoduleFinder(module.__name__, message))
