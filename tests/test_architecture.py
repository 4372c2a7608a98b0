"""The direction of imports between the layers (docs/architecture.md), read from the source.

Imports under `if TYPE_CHECKING:` are type hints only and never run; every other
import counts, wherever it is (module level or inside a function).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The one module of the tool the CDK layer may import at run time: the resolved workspace it is handed.
CDK_LAYER_MAY_IMPORT = {"provisioner.models.resolved"}
# What that model may bring along: the other models, the error types they raise while loading, and the
# list of AWS regions the org config's regions are checked against (data read from botocore's file).
MODEL_CLOSURE_MAY_REACH = ("provisioner.models", "provisioner.errors", "provisioner.models.aws_regions")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in `path` that runs (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                # `from provisioner.synthesis import synth` imports the module provisioner.synthesis.synth
                submodule = f"{base}.{alias.name}"
                found.append((node.lineno, submodule if module_file(submodule) else base))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    return found


def module_file(module: str) -> Path | None:
    path = ROOT.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def tool_closure(module: str) -> set[str]:
    """`module` and every module of provisioner/ it imports at run time, directly or not."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        todo.extend(m for _, m in runtime_imports(path) if m == "provisioner" or m.startswith("provisioner."))
    return seen


def test_the_cdk_layer_imports_nothing_from_the_tool_but_the_resolved_workspace_model():
    # GIVEN every module of the CDK layer
    offending = []
    for path in sorted((ROOT / "infra").rglob("*.py")):
        # WHEN its run-time imports are read
        for line, module in runtime_imports(path):
            # THEN none of them runs back up into provisioner/, except into the resolved workspace model
            if (module == "provisioner" or module.startswith("provisioner.")) and module not in CDK_LAYER_MAY_IMPORT:
                offending.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    assert offending == [], "resolve it on the provisioner side and hand it in through the resolved model"


def test_the_resolved_workspace_model_brings_only_models_along():
    # GIVEN the model module(s) the CDK layer may import
    for allowed in sorted(CDK_LAYER_MAY_IMPORT):
        # WHEN everything they import at run time is followed
        closure = tool_closure(allowed)
        # THEN it stays within the models (and their error types): no engine, synth, CLI or cloud code
        assert allowed in closure
        assert sorted(m for m in closure if m != "provisioner" and not m.startswith(MODEL_CLOSURE_MAY_REACH)) == []


def test_no_module_below_the_cli_imports_it():
    # GIVEN every module of the tool outside provisioner/cli/
    offending = []
    for path in sorted((ROOT / "provisioner").rglob("*.py")):
        if path.is_relative_to(ROOT / "provisioner" / "cli"):
            continue
        # THEN none imports a command module or the CLI's helpers (commands call down, never the other way)
        for line, module in runtime_imports(path) + _type_only_imports(path):
            if module == "provisioner.cli" or module.startswith("provisioner.cli."):
                offending.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    assert offending == []


def _type_only_imports(path: Path) -> list[tuple[int, str]]:
    """Imports under `if TYPE_CHECKING:` (even a type hint on the CLI would be a dependency on it)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                for inner in ast.walk(child):
                    if isinstance(inner, ast.ImportFrom) and inner.module:
                        found.append((inner.lineno, inner.module))
                    elif isinstance(inner, ast.Import):
                        found.extend((inner.lineno, alias.name) for alias in inner.names)
    return found
