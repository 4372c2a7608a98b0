"""Mutation testing of the modules where a wrong answer is silent: does the suite notice a small change to them?

Two engines, the same question ("which mutants survive the tests that should catch them?"):

- `mutmut` (pinned in the test extra; https://github.com/boxed/mutmut): the full pass over TARGETS, run from the
  checkout; it copies the tree to `mutants/`, mutates every function and runs the tests that cover it.
      python scripts/mutation.py mutmut            # then: mutmut results / mutmut show NAME
- `quick` (this file, no dependency): one module at a time, the mutations reviewers try first (a comparison
  flipped, `and`/`or` swapped, a `not` dropped, a number moved by one, a constant True/False flipped, a string
  emptied) applied one by one to a copy of the tree; each mutant runs the test files you name, which
  must fail. Survivors are printed as `file:line: what changed`.
      python scripts/mutation.py quick provisioner/fleet/ci.py tests/fleet/test_ci_workflow.py

Never part of `make test`: a pass costs minutes to hours (docs/testing.md says how long and what survived).
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the issue asks to mutate (#27): the modules whose mistakes no user would see at once.
TARGETS = ["provisioner/ds/", "provisioner/monitoring/", "provisioner/cloud/deploy_role.py", "provisioner/fleet/ci.py",
           "provisioner/audit/rules/"]
COPIED = ["provisioner", "infra", "blueprints", "examples", "scripts", "tests", "docs", "pyproject.toml", "README.md"]

_FLIP = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
         ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


@dataclass(frozen=True)
class Mutant:
    index: int  # the n-th mutable node of its kind, in walk order
    kind: str
    line: int
    what: str


class _Mutator(ast.NodeTransformer):
    """Finds mutable nodes (target=None) or changes the one it is told to."""

    def __init__(self, target: Mutant | None = None) -> None:
        self.target, self.found, self._seen = target, [], 0

    def _offer(self, node: ast.AST, kind: str, what: str, change):  # noqa: ANN001, ANN202 - a node rewriter
        mutant = Mutant(self._seen, kind, getattr(node, "lineno", 0), what)
        self._seen += 1
        if self.target is None:
            self.found.append(mutant)
            return node
        return change() if mutant.index == self.target.index else node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        op = type(node.ops[0])
        if op not in _FLIP:
            return node

        def change() -> ast.AST:
            node.ops[0] = _FLIP[op]()
            return node

        return self._offer(node, "compare", f"{op.__name__} -> {_FLIP[op].__name__}", change)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        other = ast.Or if isinstance(node.op, ast.And) else ast.And

        def change() -> ast.AST:
            node.op = other()
            return node

        return self._offer(node, "boolop", f"{type(node.op).__name__} -> {other.__name__}", change)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Not):
            return node
        return self._offer(node, "not", "not x -> x", lambda: node.operand)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            return self._offer(node, "bool", f"{value} -> {not value}", lambda: ast.Constant(not value))
        if isinstance(value, (int, float)):
            return self._offer(node, "number", f"{value!r} -> {value + 1!r}", lambda: ast.Constant(value + 1))
        if isinstance(value, str) and value and not value.startswith(("\n", " ")) and len(value) < 80:
            return self._offer(node, "string", f"{value!r} -> ''", lambda: ast.Constant(""))
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:  # docstrings are not code
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node
        return self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:  # f-string pieces: messages, counted by the tests' text
        return node


def mutants(source: str) -> list[Mutant]:
    finder = _Mutator()
    finder.visit(ast.parse(source))
    return finder.found


def mutate(source: str, mutant: Mutant) -> str:
    tree = _Mutator(mutant).visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))


def _copy_tree(into: Path) -> None:
    for name in COPIED:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, into / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "cdktf.out", ".provision", "mutants"))
        elif origin.exists():
            shutil.copy(origin, into / name)


def _tests_pass(tree: Path, tests: list[str], timeout: float) -> bool:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests], cwd=tree,
                              env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False  # a mutant that hangs the tests is caught (as mutmut counts a timeout)
    return done.returncode == 0


def quick(module: str, tests: list[str], *, kinds: set[str] | None, limit: int | None, timeout: float) -> int:
    source = (ROOT / module).read_text(encoding="utf-8")
    found = [m for m in mutants(source) if kinds is None or m.kind in kinds][:limit]
    with tempfile.TemporaryDirectory(prefix="provision-mutation-") as scratch:
        tree = Path(scratch)
        _copy_tree(tree)
        if not _tests_pass(tree, tests, timeout):
            print(f"the tests fail without any mutant: {' '.join(tests)}", file=sys.stderr)
            return 2
        survivors = []
        for number, mutant in enumerate(found, 1):
            (tree / module).write_text(mutate(source, mutant), encoding="utf-8")
            if _tests_pass(tree, tests, timeout):
                survivors.append(mutant)
                print(f"SURVIVED {module}:{mutant.line}: {mutant.what}", flush=True)
            else:
                print(f"killed   {module}:{mutant.line}: {mutant.what} ({number}/{len(found)})", flush=True)
        (tree / module).write_text(source, encoding="utf-8")
    print(f"{module}: {len(found) - len(survivors)} of {len(found)} mutants killed, {len(survivors)} survived")
    return 1 if survivors else 0


def run_mutmut(extra: list[str]) -> int:
    try:
        import mutmut  # noqa: F401 - only to say how to install it
    except ImportError:
        print("mutmut is not installed: pip install -e '.[test]' (it is pinned in the test extra)", file=sys.stderr)
        return 2
    # The configuration ([tool.mutmut] in pyproject.toml) names TARGETS and the test folder.
    done = subprocess.run([sys.executable, "-m", "mutmut", "run", *extra], cwd=ROOT)
    subprocess.run([sys.executable, "-m", "mutmut", "results"], cwd=ROOT)
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="engine", required=True)
    full = sub.add_parser("mutmut", help="the full pass over the targets with mutmut (installed from the test extra)")
    full.add_argument("extra", nargs="*", help="passed to `mutmut run` (for example a mutant name)")
    one = sub.add_parser("quick", help="one module, the tests you name")
    one.add_argument("module", help="a file under provisioner/, relative to the checkout")
    one.add_argument("tests", nargs="+", help="test files or node ids that must catch the mutants")
    one.add_argument("--kinds", help="comma-separated: compare, boolop, not, bool, number, string (default: all)")
    one.add_argument("--limit", type=int, help="at most this many mutants (in source order)")
    one.add_argument("--timeout", type=float, default=600, help="seconds per test run; longer counts as killed")
    args = parser.parse_args(argv)
    if args.engine == "mutmut":
        return run_mutmut(args.extra)
    kinds = set(args.kinds.split(",")) if args.kinds else None
    return quick(args.module, args.tests, kinds=kinds, limit=args.limit, timeout=args.timeout)


if __name__ == "__main__":
    raise SystemExit(main())
