"""The runtimes `provision` needs besides Python, what `provision doctor` says about them, and
how `provision doctor --fix` installs them into the user cache (never into the user's repository).

- Node.js 22+ for jsii (the CDK layer): npm registry package `node@22`, with npm, into `~/.cache/provision/node`.
- checkov (the audit's second opinion): `checkov` from PyPI into its own virtualenv, `~/.cache/provision/checkov-venv`
  (it pins an old boto3, so it never shares the tool's environment).
- the AWS provider for Terraform: reported by the engine checks (`providers`); building it is a separate step.

Installers report their own output line by line to a callback (the CLI shows it as progress).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provisioner.errors import OperationFailed, ProvisionError

Report = Callable[[str], None]


@dataclass(frozen=True)
class Runtime:
    """One runtime as found on this machine: where it came from and its version, or why it is missing."""

    id: str  # node | checkov
    title: str
    found: bool
    detail: str
    version: str = ""
    path: str = ""
    origin: str = ""  # JSII_NODE | PROVISION_CHECKOV | user cache | PATH
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "found": self.found, "version": self.version, "path": self.path,
                "origin": self.origin, "detail": self.detail, "fix": self.fix}


def node_runtime() -> Runtime:
    from provisioner.runtime.node import locate_node

    try:
        path, version, origin = locate_node()
    except ProvisionError as exc:
        return Runtime("node", "node (CDK layer)", False, exc.message, fix=exc.hint)
    return Runtime("node", "node (CDK layer)", True, f"{version} from {origin} ({path})", version, path, origin)


def checkov_runtime() -> Runtime:
    from provisioner.audit.checkov import CHECKOV_VERSION, INSTALL_HINT, locate_checkov

    found = locate_checkov()
    if found is None:
        why = ("PROVISION_CHECKOV names no file" if os.environ.get("PROVISION_CHECKOV")
               else "not in the user cache nor on PATH")
        return Runtime("checkov", "checkov (audit)", False, f"checkov is not installed ({why})", fix=INSTALL_HINT)
    binary, origin = found
    version = checkov_version(binary)
    if version is None:
        return Runtime("checkov", "checkov (audit)", False, f"{binary} (from {origin}) does not run", path=str(binary),
                       origin=origin, fix=INSTALL_HINT)
    note = "" if version == CHECKOV_VERSION else f"; provision is tested with {CHECKOV_VERSION}"
    return Runtime("checkov", "checkov (audit)", True, f"{version} from {origin} ({binary}){note}", version,
                   str(binary), origin)


def checkov_version(binary: Path) -> str | None:
    """The version a checkov binary reports, without starting checkov itself (its start takes seconds)."""
    python = binary.parent / "python"
    probe = [str(python), "-c", "import importlib.metadata as m; print(m.version('checkov'))"] if python.is_file() \
        else [str(binary), "--version"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.strip().splitlines()
    return lines[-1].strip() if done.returncode == 0 and lines else None


# -- installing into the user cache ------------------------------------------------------------------

def install_node(report: Report) -> Runtime:
    """Install `node@22` from the npm registry into the user cache, with npm.

    npm installs into a staging folder next to the final one, which replaces an old install only
    once the new Node runs: an interrupted install leaves what was there.
    """
    from provisioner.runtime.locations import cached_node_binary, cached_node_dir
    from provisioner.runtime.node import MIN_MAJOR, NPM_PACKAGE, node_version

    npm = shutil.which("npm")
    if npm is None:
        raise OperationFailed(
            f"cannot install {NPM_PACKAGE}: npm is not on PATH",
            f"install Node.js {MIN_MAJOR}+ (https://nodejs.org/en/download, your package manager, or "
            f"`nvm install {MIN_MAJOR}`), or set JSII_NODE to a Node {MIN_MAJOR}+ binary")
    target = cached_node_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".node-installing-{os.getpid()}"
    old = target.parent / f".node-replaced-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    report(f"installing {NPM_PACKAGE} from the npm registry into {target}")
    try:
        stream([npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel", "http",
                "--prefix", str(staging), NPM_PACKAGE], report)
        binary = staging / cached_node_binary().relative_to(target)
        version = node_version(str(binary))
        if version is None or version[0] < MIN_MAJOR:
            raise OperationFailed(f"npm installed {NPM_PACKAGE}, but {binary} does not run as Node {MIN_MAJOR}+",
                                  "rerun `provision doctor --fix`; if it fails again, install Node yourself")
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)  # npm's links inside are relative: the folder can move
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    report(f"node {version[1]} installed: {cached_node_binary()}")
    return Runtime("node", "node (CDK layer)", True, f"{version[1]} from user cache ({cached_node_binary()})",
                   version[1], str(cached_node_binary()), "user cache")


def install_checkov(report: Report) -> Runtime:
    """Install checkov (the pinned version) from PyPI into its own virtualenv in the user cache.

    A virtualenv cannot move (its scripts name their own path), so it is made in place; a failed
    install removes it again rather than leave half a checkov behind.
    """
    from provisioner.audit.checkov import CHECKOV_VERSION
    from provisioner.runtime.locations import cached_checkov_venv

    venv = cached_checkov_venv()
    report(f"installing checkov {CHECKOV_VERSION} from PyPI into its own virtualenv {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    try:
        stream([sys.executable, "-m", "venv", str(venv)], report)
        stream([str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                "--progress-bar", "off", f"checkov=={CHECKOV_VERSION}"], report)
        version = checkov_version(venv / "bin" / "checkov")
        if version != CHECKOV_VERSION:
            raise OperationFailed(f"pip installed checkov, but {venv / 'bin' / 'checkov'} reports {version!r}",
                                  "rerun `provision doctor --fix`")
    except BaseException:
        shutil.rmtree(venv, ignore_errors=True)
        raise
    report(f"checkov {version} installed: {venv / 'bin' / 'checkov'}")
    return Runtime("checkov", "checkov (audit)", True, f"{version} from user cache ({venv / 'bin' / 'checkov'})",
                   version, str(venv / "bin" / "checkov"), "user cache")


def stream(command: list[str], report: Report) -> None:
    """Run an installer, handing each line it prints to `report`; raise with its last lines if it fails."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise OperationFailed(f"{command[0]} could not run: {exc}") from None
    tail: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        if line:
            tail = (tail + [line])[-3:]
            report(line)
    if process.wait() != 0:
        raise OperationFailed(f"`{' '.join(Path(command[0]).name.split() + command[1:3])} ...` failed "
                              f"(exit {process.returncode}): {' | '.join(tail)}",
                              "check the connection to the package registry, then rerun `provision doctor --fix`")
