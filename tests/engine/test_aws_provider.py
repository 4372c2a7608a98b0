"""The AWS provider built from source: its cache, its labels, and how Terraform is pointed at it.

The ~800 MB compile itself is measured by `make aws-provider` (figures in docs/performance.md) and used by
the e2e tier; these tests cover everything around it with real Terraform (the embedded engine). Where a
test needs a "build" in the cache it writes a small file in its place: `terraform init` only links and
hashes a provider package, it never runs it, so the routing under test is Terraform's real behaviour.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from provisioner.engine import aws_provider
from provisioner.engine.cliconfig import prepare
from provisioner.engine.workdir import AWS_OVERRIDE_FILE, Workdir
from provisioner.errors import InvalidInput, OperationFailed

SNAPSHOTS = Path(__file__).resolve().parents[1] / "infra" / "snapshots"


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PROVISION_AWS_PROVIDER", raising=False)
    return tmp_path / "cache" / "provision"


def fake_build(version: str, *, record: bool = True) -> Path:
    """Put a provider package of `version` in the user cache the way `build()` leaves one."""
    binary = aws_provider.binary_path(version)
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"#!/bin/sh\nexit 1\n")
    binary.chmod(0o755)
    if record:
        aws_provider.records_root().mkdir(parents=True, exist_ok=True)
        (aws_provider.records_root() / f"{version}.json").write_text(json.dumps({
            "version": version, "path": str(binary), "commit": "5f2286d6d836c1969afcf1b5b8f48194644295c6",
            "go_version": "go1.26.8", "seconds": 1.0, "peak_rss_mib": 1, "size_mib": 0, "built_at": "2026-12-01T00:00:00Z",
        }))
    return binary


def aws_stack(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "cdk.tf.json").write_text(json.dumps({
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": version}},
                      "backend": {"local": {"path": str(folder / "terraform.tfstate")}}},
    }))
    return folder


def locked_aws_version(stack: Path) -> str:
    text = (stack / ".terraform.lock.hcl").read_text()
    block = text.split('provider "registry.terraform.io/hashicorp/aws"', 1)[1]
    return block.split('version', 1)[1].split('"')[1]


def test_required_version_is_the_one_every_synthesized_stack_asks_for():
    # GIVEN the committed snapshots of synthesized workspaces
    snapshots = sorted(SNAPSHOTS.glob("*.json"))
    assert snapshots
    # WHEN the version is read from the installed bindings
    wanted = aws_provider.required_version()
    # THEN every snapshot asks for it
    for path in snapshots:
        assert json.loads(path.read_text())["terraform"]["required_providers"]["aws"]["version"] == wanted, path.name


def test_a_build_of_another_commit_gets_a_prerelease_label(tmp_path: Path):
    # GIVEN a downloaded module whose source says 6.47.1, in the module cache's pseudo-version folder
    module = tmp_path / "terraform-provider-aws@v1.60.1-0.20260602190131-5f2286d6d836"
    (module / "version").mkdir(parents=True)
    (module / "version" / "VERSION").write_text("6.47.1\n")
    # WHEN it is labelled without --release
    version = aws_provider.label(module, "5f2286d6d836c1969afcf1b5b8f48194644295c6", None)
    # THEN the label is a pre-release no ordinary constraint matches, naming the day and commit
    assert version == "6.47.1-dev.20260602.g5f2286d6d836"
    assert aws_provider.label(module, "5f2286d6d836", "6.47.1") == "6.47.1"


def test_fails_when_release_does_not_match_the_module_source(tmp_path: Path):
    # GIVEN a module whose version/VERSION says 6.47.1
    module = tmp_path / "mod"
    (module / "version").mkdir(parents=True)
    (module / "version" / "VERSION").write_text("6.47.1\n")
    # WHEN it is claimed to be 6.69.1
    with pytest.raises(InvalidInput) as caught:
        aws_provider.label(module, "5f2286d6d836", "6.69.1")
    # THEN the claim is refused, naming the flag and what the source says
    [problem] = caught.value.problems
    assert problem.field == "--release" and "6.47.1" in problem.message


def test_fails_when_the_module_proxy_refuses_the_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a go command that may not look anything up (an empty module cache, GOPROXY=off)
    monkeypatch.setenv("GOPROXY", "off")
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "modcache"))
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    # WHEN the provider is built
    with pytest.raises(OperationFailed) as caught:
        aws_provider.build("5f2286d6d836c1969afcf1b5b8f48194644295c6")
    # THEN one line names the step that failed and what to do
    assert "step `download module` failed" in caught.value.message
    assert "--ref" in caught.value.hint
    subprocess.run(["chmod", "-R", "u+w", str(tmp_path)], check=False)  # the go module cache is read-only


def test_an_interrupted_build_is_not_listed(user_cache: Path):
    # GIVEN one complete build and one binary without its record (a build stopped before it finished)
    fake_build("6.47.1-dev.20260602.g5f2286d6d836")
    fake_build("6.69.1", record=False)
    # WHEN the cache is listed
    versions = [b.version for b in aws_provider.cached_builds()]
    # THEN only the complete one counts
    assert versions == ["6.47.1-dev.20260602.g5f2286d6d836"]


def test_terraform_takes_the_aws_provider_from_the_cache_when_it_holds_the_wanted_version(
        user_cache: Path, tmp_path: Path, lifecycle_runner):
    # GIVEN a cached build of exactly the version the bindings ask for
    wanted = aws_provider.required_version()
    fake_build(wanted)
    stack = aws_stack(tmp_path / "stack", wanted)
    # WHEN the working folder is initialized offline
    workdir = Workdir(lifecycle_runner(), stack, workspace="ws")
    workdir.init()
    # THEN Terraform installed it from the cache, linked rather than copied, and no override was written
    assert locked_aws_version(stack) == wanted
    installed = stack / ".terraform" / "providers" / aws_provider.ADDRESS / wanted / "linux_amd64" / f"terraform-provider-aws_v{wanted}"
    assert installed.resolve() == aws_provider.binary_path(wanted).resolve()
    assert not (stack / AWS_OVERRIDE_FILE).exists()
    assert "built from source" in workdir.runner.cli_config.aws_provider_from


def test_cache_mode_pins_a_development_build_over_the_bindings_version(
        user_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lifecycle_runner):
    # GIVEN only a development build in the cache, and PROVISION_AWS_PROVIDER=cache
    dev = "6.47.1-dev.20260602.g5f2286d6d836"
    fake_build(dev)
    monkeypatch.setenv("PROVISION_AWS_PROVIDER", "cache")
    stack = aws_stack(tmp_path / "stack", aws_provider.required_version())
    # WHEN the working folder is initialized offline
    workdir = Workdir(lifecycle_runner(), stack, workspace="ws")
    workdir.init()
    # THEN the override pins the build, Terraform installed it, and cdk.tf.json is untouched
    assert json.loads((stack / AWS_OVERRIDE_FILE).read_text())["terraform"]["required_providers"]["aws"]["version"] == dev
    assert locked_aws_version(stack) == dev
    assert json.loads((stack / "cdk.tf.json").read_text())["terraform"]["required_providers"]["aws"]["version"] != dev
    assert "pinned over the bindings'" in workdir.runner.cli_config.aws_provider_from


def test_auto_mode_leaves_a_development_build_alone(user_cache: Path, tmp_path: Path, lifecycle_runner):
    # GIVEN only a development build in the cache and the default mode
    fake_build("6.47.1-dev.20260602.g5f2286d6d836")
    # WHEN the CLI config is chosen
    config = lifecycle_runner().cli_config
    # THEN Terraform is not pointed at it (the wanted version comes from the registry or a mirror)
    assert config.aws_build is None and config.aws_override is None


def test_fails_when_cache_mode_finds_no_build(user_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # GIVEN an empty user cache and PROVISION_AWS_PROVIDER=cache
    monkeypatch.setenv("PROVISION_AWS_PROVIDER", "cache")
    # WHEN the CLI config is prepared
    with pytest.raises(OperationFailed) as caught:
        prepare(tmp_path / "engine")
    # THEN it says how to build one
    assert "make aws-provider" in caught.value.hint


def test_fails_when_aws_provider_mode_is_unknown(user_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROVISION_AWS_PROVIDER", "latest")
    with pytest.raises(InvalidInput) as caught:
        prepare(tmp_path / "engine")
    assert caught.value.problems[0].field == "PROVISION_AWS_PROVIDER"


def test_doctor_names_the_aws_provider_terraform_will_use(user_cache: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    # GIVEN an offline machine, first without and then with a cached build of the wanted version
    from provisioner.engine.doctor import check_engine

    monkeypatch.setenv("PROVISION_OFFLINE", "1")
    monkeypatch.delenv("PROVISION_PROVIDER_MIRROR", raising=False)
    before = {c.id: c for c in check_engine("embedded", tmp_path / "engine")}["aws-provider"]
    fake_build(aws_provider.required_version())
    after = {c.id: c for c in check_engine("embedded", tmp_path / "engine")}["aws-provider"]
    # THEN doctor fails with the fix first, and names the build and its version after
    assert before.status == "fail" and "make aws-provider" in before.fix
    assert after.status == "pass" and aws_provider.required_version() in after.detail and "built from source" in after.detail


@pytest.fixture
def lifecycle_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedded):
    """A Runner as the CLI builds it, offline (Terraform may not touch the network)."""
    from provisioner.engine.runner import Runner

    monkeypatch.setenv("PROVISION_OFFLINE", "1")
    monkeypatch.delenv("PROVISION_PROVIDER_MIRROR", raising=False)

    def make() -> Runner:
        return Runner(embedded, prepare(tmp_path / "engine"))

    return make


def test_offline_config_keeps_the_aws_mirror_and_the_registry_closed(user_cache: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch):
    # GIVEN a cached build of the wanted version and a networked machine with a mirror for other providers
    fake_build(aws_provider.required_version())
    mirror = tmp_path / "mirror" / "registry.terraform.io" / "hashicorp" / "null"
    mirror.mkdir(parents=True)
    monkeypatch.setenv("PROVISION_PROVIDER_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.delenv("PROVISION_OFFLINE", raising=False)
    # WHEN the CLI config is written
    text = prepare(tmp_path / "engine").path.read_text()
    # THEN both mirrors are named and neither provider is fetched directly
    assert str(aws_provider.mirror_root()) in text and str(tmp_path / "mirror") in text
    direct = text.split("direct {", 1)[1]
    assert "registry.terraform.io/hashicorp/aws" in direct and "registry.terraform.io/hashicorp/null" in direct
    assert os.environ.get("PROVISION_OFFLINE") is None
