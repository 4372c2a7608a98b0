"""The data scientist's side of provision: from "I have a workspace" to "my model is in the registry".

    workspace   the facts of one workspace (role, buckets, key, registry): from the
                applied workspace's Terraform outputs when there are any, else
                computed from the spec exactly as synth computes them
    sdk_config  the SageMaker SDK "intelligent defaults" file and the exports that enable it
    guardrails  a training request checked against the workspace's guardrails (the
                numbers its IAM policy enforces), before anything calls AWS
    training    the job launched with the SageMaker Python SDK (`ModelTrainer`) and followed
    registry    the workspace's model package group: list, register, approve
    weights     endpoint variant weights changed in the workspace spec (then plan/apply)

Exit codes, as everywhere in provision: 2 when an argument is malformed
(`--max-runtime 4x`, `--hyperparameter epochs`, `VARIANT=heavy`) and when a
well-formed request is one the workspace's guardrails forbid (an instance type
outside `training.instance_types`, more instances or a longer runtime than the
workspace allows, spot where it is off, input outside the workspace buckets),
as `provision request` refuses the same limits; 1 when AWS or the job itself fails.

The SageMaker SDK (`pip install 'provisioner-ml[sagemaker]'`, ~1 GB) is optional and
imported only inside the functions that need it: `train` launches with it and
`env` validates with its schema. `models` and `endpoint weights` use boto3 and
the spec only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from provisioner.errors import InvalidInput, OperationFailed

SDK_PACKAGE = "sagemaker"


def _sdk_requirement() -> str:
    """The SDK pin of provision's `sagemaker` extra, from the installed package's metadata."""
    from provisioner.runtime.versions import tool_requirements

    for requirement in tool_requirements():
        spec, _, marker = requirement.partition(";")
        if spec.strip().startswith(SDK_PACKAGE) and "sagemaker" in marker:
            return spec.strip()
    return SDK_PACKAGE


def sdk_install_hint() -> str:
    # No square brackets: error lines are printed as rich markup, where `[sagemaker]` would vanish.
    requirement = _sdk_requirement()
    return (f"install the SageMaker SDK: pip install '{requirement}' (the `sagemaker` extra of provision; "
            f"with pipx: pipx inject provisioner-ml '{requirement}'; with uv: uv tool install --with '{requirement}' "
            "provisioner-ml)")


class SdkMissing(OperationFailed):
    """The optional `sagemaker` package is not installed (exit 1, with how to install it)."""


def sdk_available() -> bool:
    """Whether `sagemaker` can be imported, found without importing it (that alone takes ~2 s)."""
    import importlib.util

    try:
        return importlib.util.find_spec(SDK_PACKAGE) is not None
    except (ImportError, ValueError):
        return False


def require_sdk(command: str) -> None:
    """Fail with the install hint, before any work, when the SDK is missing."""
    if not sdk_available():
        raise SdkMissing(f"`provision {command}` needs the SageMaker Python SDK, which is not installed",
                         sdk_install_hint())


def sdk_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(SDK_PACKAGE)
    except PackageNotFoundError:
        return None


class GuardrailViolations(InvalidInput):
    """A request the workspace's guardrails forbid: every violation at once (exit 2, as `provision request`
    and `validate` refuse the same limits in a spec: a guardrail bounds what may be asked for)."""


def one_line(value: Any) -> str:
    return " ".join(str(value).split())


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` in one step (keeping its mode): readers see the old file or the new one, never half."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
