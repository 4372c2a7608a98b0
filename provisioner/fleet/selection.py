"""Selecting workspaces across a fleet: by change since a git ref, and by expiry."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from provisioner.errors import InvalidInput, OperationFailed
from provisioner.models.resolved import WorkspaceContext


def _git(args: list[str], cwd: Path) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise OperationFailed("git is not installed", "install git to use --changed-since") from None
    if result.returncode != 0:
        raise OperationFailed(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def changed_files(ref: str, cwd: Path) -> set[Path]:
    """Absolute paths changed between `ref` and the working tree (committed, staged, unstaged, untracked)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    check = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=cwd,
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise InvalidInput.single("<command line>", "--changed-since", f"{ref!r} is not a git commit in {top}",
                                  "give a branch, tag or commit, for example origin/main")
    names = _git(["diff", "--name-only", ref, "--"], cwd).splitlines()
    names += _git(["ls-files", "--others", "--exclude-standard"], top).splitlines()
    return {(top / name).resolve() for name in names if name}


def select_changed(contexts: list[WorkspaceContext], ref: str, org_root: Path, org_file: Path) -> list[WorkspaceContext]:
    """Workspaces whose spec, blueprint version file, the org config or the tool's `infra/` changed since `ref`."""
    changed = changed_files(ref, org_root)
    from provisioner.runtime.locations import infra_dir

    infra = infra_dir()  # only ever changes in a git checkout of the tool itself (never in an installed one)
    everything = org_file.resolve() in changed or any(path.is_relative_to(infra) for path in changed)
    selected = []
    for ctx in contexts:
        inputs = {p.resolve() for p in (ctx.spec_path, ctx.blueprint_path) if p is not None}
        if everything or inputs & changed:
            selected.append(ctx)
    return selected


@dataclass(frozen=True)
class Expiry:
    name: str
    expires: dt.date
    days_left: int  # negative when past

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def expiring(contexts: list[WorkspaceContext], today: dt.date, within_days: int = 0) -> list[Expiry]:
    """Workspaces past `expires` (the expiry day itself still counts as alive), or expiring within N days
    when `within_days` > 0 (with 0, only those already past)."""
    found = []
    for ctx in contexts:
        if ctx.expires is None:
            continue
        left = (ctx.expires - today).days
        if left < 0 or (within_days > 0 and left <= within_days):
            found.append(Expiry(ctx.name, ctx.expires, left))
    return sorted(found, key=lambda e: (e.days_left, e.name))
