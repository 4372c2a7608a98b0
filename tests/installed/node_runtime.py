"""Which Node 22+ the installed tier hands to the tool, found the way the product finds one.

The product looks at JSII_NODE, the user cache (`provision doctor --fix`), then PATH
(provisioner/runtime/node.py); a checkout also has the one `make setup` put in `.tools/node` when the
system Node was older. The tier runs wherever any of them is a supported Node; it skips only on a machine
with none at all (then no synth can run there either).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from provisioner.runtime.locations import cached_node_binary
from provisioner.runtime.node import MIN_MAJOR, node_version

ROOT = Path(__file__).resolve().parents[2]
DEV_NODE_PREFIX = ROOT / ".tools" / "node"
NPM_LAYOUT = Path("node_modules") / "node" / "bin" / "node"  # `npm install --prefix DIR node@22`


@dataclass(frozen=True)
class SupportedNode:
    binary: Path
    version: str
    npm_prefix: Path | None  # set when it is an npm-prefix install: it can stand as the user cache's Node

    @property
    def folder(self) -> str:
        return str(self.binary.parent)


def _outside_checkout_path() -> list[str]:
    return [p for p in os.environ.get("PATH", "").split(os.pathsep)
            if p and ".tools" not in p and not p.startswith(str(ROOT))]


def find_supported_node() -> SupportedNode | None:
    """The first Node 22+ among .tools/node, JSII_NODE, the user cache and PATH (outside this checkout)."""
    candidates = [DEV_NODE_PREFIX / NPM_LAYOUT]
    if os.environ.get("JSII_NODE"):
        candidates.append(Path(os.environ["JSII_NODE"]))
    candidates.append(cached_node_binary())
    on_path = shutil.which("node", path=os.pathsep.join(_outside_checkout_path()))
    if on_path:
        candidates.append(Path(on_path))
    for binary in candidates:
        if not binary.is_file():
            continue
        found = node_version(str(binary))
        if found and found[0] >= MIN_MAJOR:
            prefix = binary.parents[3] if binary.as_posix().endswith(NPM_LAYOUT.as_posix()) else None
            return SupportedNode(binary, found[1], prefix)
    return None


NODE = find_supported_node()
NO_NODE_REASON = (f"NO NODE {MIN_MAJOR}+ ANYWHERE: not in .tools/node, JSII_NODE, the user cache or PATH "
                  "(`provision doctor --fix` installs one)")
