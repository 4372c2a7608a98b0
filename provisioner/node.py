"""Finds a Node.js that jsii supports (22 or newer) before the CDK layer starts.

Order: `JSII_NODE`, then the project's own `.tools/node` (installed by
`make setup` from the npm registry package `node@22`), then `node` on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from provisioner.errors import OperationFailed

MIN_MAJOR = 22
PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_NODE = PROJECT_ROOT / ".tools" / "node" / "node_modules" / "node" / "bin" / "node"


def node_version(binary: str) -> tuple[int, str] | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        return int(out.lstrip("v").split(".")[0]), out
    except ValueError:
        return None


def candidates() -> list[str]:
    found = []
    if os.environ.get("JSII_NODE"):
        found.append(os.environ["JSII_NODE"])
    if LOCAL_NODE.exists():
        found.append(str(LOCAL_NODE))
    on_path = shutil.which("node")
    if on_path:
        found.append(on_path)
    return found


def find_node() -> tuple[str, str]:
    """(path, version) of the first supported Node, or raise with the fix."""
    seen = []
    for binary in candidates():
        version = node_version(binary)
        if version and version[0] >= MIN_MAJOR:
            return binary, version[1]
        seen.append(f"{binary} ({version[1] if version else 'not runnable'})")
    raise OperationFailed(
        f"no supported Node.js for the CDK layer (need {MIN_MAJOR}+; found: {', '.join(seen) or 'none'})",
        "run `make setup` (installs node@22 into .tools/node), or set JSII_NODE to a Node 22/24 binary",
    )


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
