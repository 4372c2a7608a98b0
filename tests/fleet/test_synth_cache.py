"""The content-addressed synth cache: invalidated by each input that feeds a workspace's config
(spec values, blueprint version, org config, the tool's infra/ code and versions) and by nothing else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import provisioner.synth as synth
from provisioner.catalog import Catalog
from provisioner.models.org import load_org
from provisioner.synth import inputs_hash, synthesize
from provisioner.workspaces import load_named

ROOT = Path(__file__).resolve().parents[2]


def digest(org_dir: Path, name: str = "churn-model") -> str:
    org = load_org(org_dir / "provision.yaml")
    return inputs_hash(load_named(org, Catalog.for_org(org), name), None)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.fixture
def base(acme: Path) -> str:
    return digest(acme)


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("workspaces/churn-model.yaml", "monthly_usd: 1500", "monthly_usd: 1400"),        # a parameter
        ("workspaces/churn-model.yaml", "cost-center: cc-1234", "cost-center: cc-9999"),  # a tag
        ("workspaces/churn-model.yaml", "owner: alice@", "owner: alicia@"),               # the owner
        ("provision.yaml", "max_training_runtime_hours: 48", "max_training_runtime_hours: 47"),  # a guardrail
        ("provision.yaml", 'account_id: "111111111111"', 'account_id: "111111111112"'),   # its environment
    ],
)
def test_cache_is_invalidated_by_each_input(acme: Path, base: str, file: str, old: str, new: str):
    # GIVEN the hash of churn-model  WHEN one input that feeds its config changes
    edit(acme / file, old, new)
    # THEN its hash changes
    assert digest(acme) != base


def test_cache_is_invalidated_by_another_blueprint_version(acme: Path, base: str):
    # GIVEN a second version of gpu-training that differs only in a default
    folder = acme / "org-blueprints" / "gpu-training"
    folder.mkdir(parents=True)
    text = (ROOT / "blueprints" / "gpu-training" / "1.0.0.yaml").read_text()
    (folder / "1.0.1.yaml").write_text(text.replace("version: 1.0.0", "version: 1.0.1"))
    edit(acme / "provision.yaml", "blueprint_paths: []", "blueprint_paths: [org-blueprints]")
    assert digest(acme) == base  # another version existing changes nothing
    # WHEN the workspace moves to it
    edit(acme / "workspaces" / "churn-model.yaml", "gpu-training@1.0.0", "gpu-training@1.0.1")
    # THEN the hash changes (the blueprint version is stamped in tags and outputs)
    assert digest(acme) != base


def test_cache_is_invalidated_by_the_tools_own_infra_code(acme: Path, base: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    # GIVEN a copy of infra/ with one comment added
    copy = tmp_path / "infra"
    shutil.copytree(ROOT / "infra", copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "naming.py").write_text((copy / "naming.py").read_text() + "\n# changed\n")
    monkeypatch.setattr(synth, "infra_dir", lambda: copy)
    synth._tool_fingerprint.cache_clear()
    try:
        # THEN the hash changes
        assert digest(acme) != base
    finally:
        synth._tool_fingerprint.cache_clear()


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("workspaces/churn-model.yaml", "name: churn-model", "# a comment\nname: churn-model"),  # not config
        ("workspaces/fraud-detector.yaml", "monthly_usd: 4500", "monthly_usd: 4400"),         # another workspace
        ("provision.yaml", "    region: eu-west-1\n    state:\n      backend: local",
         "    region: eu-west-2\n    state:\n      backend: local"),                           # another environment
    ],
)
def test_cache_is_not_invalidated_by_anything_else(acme: Path, base: str, file: str, old: str, new: str):
    edit(acme / file, old, new)
    assert digest(acme) == base


def test_cache_does_not_depend_on_where_the_org_lives(acme: Path, base: str, tmp_path: Path):
    moved = tmp_path / "elsewhere" / "acme"
    shutil.copytree(acme, moved)
    assert digest(moved) == base


def test_unchanged_workspace_is_reused_and_a_changed_one_synthesized(acme: Path):
    # GIVEN one real synth of churn-model
    org = load_org(acme / "provision.yaml")
    out, state = acme / "cdktf.out", acme / ".provision" / "state"
    [first] = synthesize([load_named(org, Catalog.for_org(org), "churn-model")], out, state_root=state)
    assert not first.reused
    # WHEN it is synthesized again with nothing changed  THEN the output is reused, untouched
    before = first.config_path.stat().st_mtime_ns
    [second] = synthesize([load_named(org, Catalog.for_org(org), "churn-model")], out, state_root=state)
    assert second.reused and second.config_path.stat().st_mtime_ns == before
    # WHEN its spec changes  THEN it is synthesized again
    edit(acme / "workspaces" / "churn-model.yaml", "monthly_usd: 1500", "monthly_usd: 1400")
    [third] = synthesize([load_named(org, Catalog.for_org(org), "churn-model")], out, state_root=state)
    assert not third.reused
    budgets = json.loads(third.config_path.read_text())["resource"]["aws_budgets_budget"]
    assert [float(b["limit_amount"]) for b in budgets.values()] == [1400.0]
