"""Finds a Node.js that jsii supports (22 or newer) before the CDK layer starts.

Order: `JSII_NODE`, then the one `provision doctor --fix` installed into the user cache
(`~/.cache/provision/node`, npm registry package `node@22`; provisioner/runtime/runtimes.py), then `node` on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from provisioner.errors import OperationFailed
from provisioner.runtime.locations import cached_node_binary, cached_node_dir

MIN_MAJOR = 22
NPM_PACKAGE = "node@22"


def node_version(binary: str) -> tuple[int, str] | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        return int(out.lstrip("v").split(".")[0]), out
    except ValueError:
        return None


def candidates() -> list[tuple[str, str]]:
    """(binary, where it came from), in the order they are tried."""
    found = []
    if os.environ.get("JSII_NODE"):
        found.append((os.environ["JSII_NODE"], "JSII_NODE"))
    cached = cached_node_binary()
    if cached.exists():
        found.append((str(cached), "user cache"))
    on_path = shutil.which("node")
    if on_path:
        found.append((on_path, "PATH"))
    return found


def install_hint() -> str:
    return (f"run `provision doctor --fix` (installs {NPM_PACKAGE} from the npm registry into {cached_node_dir()}), "
            f"or install Node.js {MIN_MAJOR} or 24 (https://nodejs.org/en/download, your package manager, or "
            f"`nvm install {MIN_MAJOR}`) and put it on PATH, or set JSII_NODE to a Node {MIN_MAJOR}+ binary")


def locate_node() -> tuple[str, str, str]:
    """(path, version, where it came from) of the first supported Node, or raise with the fix."""
    seen = []
    for binary, origin in candidates():
        version = node_version(binary)
        if version and version[0] >= MIN_MAJOR:
            return binary, version[1], origin
        seen.append(f"{binary} ({version[1] if version else 'not runnable'})")
    raise OperationFailed(
        f"no supported Node.js for the CDK layer (need {MIN_MAJOR}+; found: {', '.join(seen) or 'none'})",
        install_hint(),
    )


def find_node() -> tuple[str, str]:
    """(path, version) of the first supported Node, or raise with the fix."""
    binary, version, _ = locate_node()
    return binary, version


def ensure_node() -> str:
    """Make jsii use a supported Node (first on PATH for this process), set up for synthesis."""
    binary, _ = find_node()
    folder = str(Path(binary).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != folder:
        os.environ["PATH"] = folder + os.pathsep + os.environ.get("PATH", "")
    os.environ["JSII_NODE"] = binary
    if os.environ.get("PROVISION_DEBUG") != "1":
        # cdktn records a stack trace for every token it creates, only to explain a token that
        # fails to resolve; that is half the node-side cost of creating a resource. Debug keeps it.
        os.environ.setdefault("CDKTN_DISABLE_CREATION_STACK", "1")
    return binary
