"""L3 capabilities: what a blueprint's `capabilities:` list turns into.

Each capability is one module here named after it (`training.py`, ...) with a
function decorated `@capability("<name>")` that takes the shared
`WorkspaceParts`. Modules are discovered, so adding a capability (serving,
monitoring, experiments) means adding a file, nothing else:

    from infra.capabilities._base import WorkspaceParts, capability

    @capability("serving")
    def build(parts: WorkspaceParts) -> None:
        ...  # use parts.role, parts.key, parts.model_group; add parts.output(...)

Capabilities run in the blueprint's order, which the blueprint model sorts
into `CAPABILITIES` order (foundation first).
"""

from __future__ import annotations

import importlib
import pkgutil

from infra.capabilities._base import BUILDERS, Builder, WorkspaceParts, capability
from infra.stack_build import StackBuild

__all__ = ["BUILDERS", "Builder", "WorkspaceParts", "build_capabilities", "builders", "capability"]

_discovered = False


def builders() -> dict[str, Builder]:
    """Every registered capability builder (imports the capability modules once)."""
    global _discovered
    if not _discovered:
        for module in pkgutil.iter_modules(__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{__name__}.{module.name}")
        _discovered = True
    return BUILDERS


def build_capabilities(parts: WorkspaceParts) -> None:
    """Run each capability's builder in the blueprint's order.

    The tool checks before synth that every capability is buildable and foundation comes first
    (provisioner/synthesis/synth.py: `check_buildable`), so a failure here is a bug, not an input error.
    """
    known = builders()
    capabilities = parts.ctx.capabilities
    missing = [name for name in capabilities if name not in known]
    if missing or capabilities[:1] != ("foundation",):
        raise ValueError(f"blueprint {parts.ctx.blueprint.ref}: cannot build capabilities {list(capabilities)} "
                         f"(buildable: {sorted(known)}; foundation must come first)")
    build = StackBuild.of(parts.scope)
    for name in capabilities:
        build.capability = name  # what this builder creates is filed under it (the audit's inventory)
        known[name](parts)
    build.capability = None
