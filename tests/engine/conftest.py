"""Fixtures for the engine tests: real Terraform (embedded engine), offline, on null-provider stacks.

Skips nothing: a missing provider mirror is built (scripts/provider_mirror.py,
from PyPI). Providers come from the mirror through provision's own CLI config
(PROVISION_PROVIDER_MIRROR), and a plugin cache shared by the session.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_support import SANDBOX_SPEC, add_trial_environment, ensure_provider_mirror, make_lifecycle, null_synthesize  # noqa: E402



@pytest.fixture(scope="session")
def provider_mirror() -> Path:
    return ensure_provider_mirror()


@pytest.fixture(scope="session")
def plugin_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("plugin-cache")


@pytest.fixture(autouse=True)
def engine_env(monkeypatch: pytest.MonkeyPatch, provider_mirror: Path, plugin_cache: Path) -> None:
    """Every engine process of a test gets the mirror and the shared plugin cache, and no engine on PATH is forced."""
    monkeypatch.setenv("PROVISION_PROVIDER_MIRROR", str(provider_mirror))
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", str(plugin_cache))
    monkeypatch.setenv("PROVISION_ENGINE", "embedded")
    monkeypatch.delenv("TF_LOG", raising=False)
    from provisioner.engine.discovery import clear_cache

    clear_cache()


@pytest.fixture(scope="session")
def embedded():
    from provisioner.engine.discovery import resolve_engine

    return resolve_engine("embedded")


@pytest.fixture
def lifecycle(tmp_path: Path, embedded):
    """The engine operations of a private org folder (tmp_path/.provision)."""
    return make_lifecycle(tmp_path / ".provision", embedded)


@pytest.fixture
def stand_in_bin(tmp_path: Path) -> Callable[[str, str], Path]:
    """A folder with stand-in executables: `make(name, version_output)` writes one that only prints a version."""
    folder = tmp_path / "bin"
    folder.mkdir()

    def make(name: str, said: str) -> Path:
        path = folder / name
        path.write_text(f"#!/bin/sh\necho '{said}'\n")
        path.chmod(0o755)
        return folder

    return make


@pytest.fixture
def only_path(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make PATH hold only `folder` plus the basics a shell needs (no terraform, no tofu)."""

    def use(folder: Path) -> None:
        basics = sorted({str(Path(shutil.which(tool)).parent) for tool in ("sh", "sleep") if shutil.which(tool)})
        monkeypatch.setenv("PATH", os.pathsep.join([str(folder), *basics]))
        from provisioner.engine.discovery import clear_cache

        clear_cache()

    return use


@pytest.fixture
def moto_stack_env(aws) -> Iterator[dict[str, str]]:
    """A state bucket on the moto server; yields the names the S3 backend needs."""
    import boto3

    bucket = "acme-engine-state"
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield {"endpoint": aws.endpoint, "bucket": bucket}


@pytest.fixture
def null_org(acme: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example org plus a workspace `lab` (local state, environment `trial`), synthesized as a null-provider stack.

    The CDK layer's AWS stack cannot be planned here (no AWS provider binary can be downloaded), so
    provisioner.synthesis.synth.synthesize is replaced by engine_support.null_synthesize: same contract, null resources.
    """
    add_trial_environment(acme)
    (acme / "workspaces" / "lab.yaml").write_text(SANDBOX_SPEC)
    monkeypatch.setattr("provisioner.synthesis.synth.synthesize", null_synthesize)
    return acme
