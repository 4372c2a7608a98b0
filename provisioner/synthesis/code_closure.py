"""The source files a package runs: its own modules and every first-party module they import, transitively.

Read from the source with `ast`, never by importing: the synth cache needs the CDK layer's closure
on the light path, where importing the layer would start jsii. Every import statement counts,
including those inside functions and under `TYPE_CHECKING`: a file too many only invalidates the
cache more often, a file too few would reuse stale output.
"""

from __future__ import annotations

import ast
from pathlib import Path


def import_closure(root: Path, package: str) -> list[Path]:
    """Files of `root/package` and of every module under `root` they import (directly or not), sorted."""
    seen: set[Path] = set()
    todo = sorted((root / package).rglob("*.py"))
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_parents(root, path))
        for name in _imported(root, path):
            todo.extend(_files_of(root, name))
    return sorted(seen)


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(root: Path, path: Path) -> set[str]:
    """Dotted names a module imports, with `from a import b` giving both `a` and `a.b` (b may be a module)."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError:
        return set()
    module = _module_name(root, path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)] if package else []
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def _files_of(root: Path, name: str) -> list[Path]:
    """The file of a module or package under `root`, if it is one of ours (others come from site-packages)."""
    if not name:
        return []
    base = root.joinpath(*name.split("."))
    return [candidate for candidate in (base.with_suffix(".py"), base / "__init__.py") if candidate.is_file()]


def _parents(root: Path, path: Path) -> list[Path]:
    """`__init__.py` of every package that holds `path`: importing a module runs them first."""
    found = []
    folder = path.parent
    while folder != root and root in folder.parents:
        if (folder / "__init__.py").is_file():
            found.append(folder / "__init__.py")
        folder = folder.parent
    return found
