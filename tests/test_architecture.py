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


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def import_graph() -> dict[str, set[str]]:
    """Each module of provisioner/ and the modules of provisioner/ it imports (at run time or for type hints)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / "provisioner").rglob("*.py")):
        name = _module_name(path)
        graph[name] = {m for _, m in runtime_imports(path) + _type_only_imports(path)
                       if m.startswith("provisioner.") and m != name and module_file(m)}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): each is an import circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_circles_finds_a_circle_through_a_type_hint():
    # GIVEN a graph where a imports b, b imports c, and c names a in a type hint
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    # THEN the three form one circle and d is outside it
    assert circles(graph) == [["a", "b", "c"]]


def test_no_two_modules_of_the_tool_import_each_other_even_through_others():
    # GIVEN every import between modules of provisioner/, type hints included
    graph = import_graph()
    # THEN no module reaches back to itself: each layer and package can be read from the bottom up
    assert circles(graph) == []


def test_the_tool_root_holds_packages_and_the_error_contract_only():
    # GIVEN the root of provisioner/
    modules = sorted(path.name for path in (ROOT / "provisioner").glob("*.py"))
    # THEN it holds no loose module: every concern has its package
    assert modules == ["__init__.py", "errors.py"]


def test_every_package_of_the_tool_says_what_it_holds_and_the_architecture_doc_names_it():
    # GIVEN the packages directly under provisioner/ and the tree in docs/architecture.md
    packages = sorted(path.parent.name for path in (ROOT / "provisioner").glob("*/__init__.py"))
    doc = (ROOT / "docs" / "architecture.md").read_text()
    tree = doc.split("## The tree", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    named = {line.split()[0].rstrip("/") for line in tree.splitlines()[2:] if line.startswith("  ") and line.strip()
             and not line.startswith("   ")}
    for package in packages:
        init = ROOT / "provisioner" / package / "__init__.py"
        docstring = ast.get_docstring(ast.parse(init.read_text()))
        # THEN each has a docstring of at least a sentence, and the doc's tree names it
        assert docstring and len(docstring) > 60, f"provisioner/{package}/__init__.py: say what the package holds"
        assert package in named, f"docs/architecture.md's tree does not name provisioner/{package}/"
    # AND the tree names nothing that is not there (data folders aside)
    assert named - set(packages) <= {"errors.py", "blueprints", "data"}
