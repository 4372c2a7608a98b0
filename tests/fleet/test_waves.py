"""Blueprint rollouts in waves: selection order and sizes, a canary upgrade, and a wave that stops at a
stateful removal (real cdktn synth of both versions, in this test process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from provisioner.catalog.loader import Catalog
from provisioner.cli.main import cli
from provisioner.fleet.waves import Wave, plan_wave
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_all

ROOT = Path(__file__).resolve().parents[2]
USERS = ["churn-model", "pricing-poc", "fraud-detector", "sandbox-trial"]  # gpu-training@1.0.0 users in the example org


@pytest.fixture
def rollout_org(acme: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example org plus two new gpu-training versions in an org blueprint folder:
    1.1.0 changes a default in place; 2.0.0 drops the registry (removes a stateful resource)."""
    source = yaml.safe_load((ROOT / "blueprints" / "gpu-training" / "1.0.0.yaml").read_text())
    folder = acme / "org-blueprints" / "gpu-training"
    folder.mkdir(parents=True)
    safe = {**source, "version": "1.1.0"}
    safe["parameters"] = {**source["parameters"],
                          "logs.retention_days": {**source["parameters"]["logs.retention_days"], "default": 90}}
    (folder / "1.1.0.yaml").write_text(yaml.safe_dump(safe, sort_keys=False))
    unsafe = {**source, "version": "2.0.0", "capabilities": ["foundation", "training"]}
    (folder / "2.0.0.yaml").write_text(yaml.safe_dump(unsafe, sort_keys=False))
    org_file = acme / "provision.yaml"
    org_file.write_text(org_file.read_text().replace("blueprint_paths: []", "blueprint_paths: [org-blueprints]"))
    monkeypatch.chdir(acme)
    monkeypatch.delenv("PROVISION_ORG", raising=False)
    return acme


def blueprint_of(org: Path, name: str) -> str:
    return yaml.safe_load((org / "workspaces" / f"{name}.yaml").read_text())["blueprint"]


def test_wave_sizes_and_order(rollout_org: Path):
    # GIVEN four workspaces on gpu-training@1.0.0: two in dev, one in prod, one in sandbox (listed in that order)
    org = load_org(rollout_org / "provision.yaml")
    contexts = load_all(org, Catalog.for_org(org))
    envs = list(org.config.environments)
    # WHEN waves are planned  THEN the canary is the first by environment order, N% rounds up, all takes all
    assert [c.name for c in plan_wave(contexts, "gpu-training", "1.1.0", Wave.parse("canary"), envs).selected] == ["churn-model"]
    assert [c.name for c in plan_wave(contexts, "gpu-training", "1.1.0", Wave.parse("50%"), envs).selected] == [
        "churn-model", "pricing-poc"]
    assert [c.name for c in plan_wave(contexts, "gpu-training", "1.1.0", Wave.parse("all"), envs).selected] == USERS


def test_fails_when_the_wave_is_not_understood():
    with pytest.raises(Exception) as caught:
        Wave.parse("half")
    assert getattr(caught.value, "exit_code", None) == 2


def test_canary_upgrades_one_workspace_and_records_the_wave(rollout_org: Path):
    # WHEN a canary wave of the safe version runs
    code = cli(["upgrade", "--blueprint", "gpu-training", "--to", "1.1.0", "--wave", "canary"])
    # THEN exactly one spec moved, the others wait, and the wave is in the audit log
    assert code == 0
    assert [blueprint_of(rollout_org, n) for n in USERS] == ["gpu-training@1.1.0"] + ["gpu-training@1.0.0"] * 3
    log = [json.loads(line) for line in (rollout_org / ".provision" / "audit.log").read_text().splitlines()]
    wave = [e for e in log if e["action"] == "upgrade-wave"][-1]
    assert wave["result"] == "ok" and wave["detail"]["upgraded"] == ["churn-model"] and wave["detail"]["wave"] == "canary"


def test_wave_stops_at_a_stateful_removal_and_changes_nothing(rollout_org: Path, capsys):
    # WHEN every workspace is rolled to a version that removes the model registry
    before = {n: (rollout_org / "workspaces" / f"{n}.yaml").read_text() for n in USERS}
    code = cli(["upgrade", "--blueprint", "gpu-training", "--to", "2.0.0", "--wave", "all"])
    # THEN the wave stops at the first workspace with exit 3, naming the stateful resource; no spec changed
    assert code == 3
    err = capsys.readouterr().err
    assert "wave stopped at churn-model" in err and "aws_sagemaker_model_package_group" in err
    assert {n: (rollout_org / "workspaces" / f"{n}.yaml").read_text() for n in USERS} == before
    log = [json.loads(line) for line in (rollout_org / ".provision" / "audit.log").read_text().splitlines()]
    wave = [e for e in log if e["action"] == "upgrade-wave"][-1]
    assert wave["result"] == "blocked" and wave["detail"]["stopped_at"] == "churn-model"


def test_audit_all_writes_one_report_per_workspace(rollout_org: Path, capsys):
    # WHEN every workspace is audited (built-in rules only)
    code = cli(["audit", "--all", "--no-checkov", "--format", "md"])
    # THEN each gets its report and the run passes
    assert code == 0, capsys.readouterr().err
    for name in USERS:
        assert (rollout_org / ".provision" / "audit" / name / "report.md").is_file()
