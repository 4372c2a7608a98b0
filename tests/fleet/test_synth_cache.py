"""The content-addressed synth cache: invalidated by each input that feeds a workspace's config
(spec values, blueprint version, org config, the code the CDK layer runs and versions) and by nothing else."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

import provisioner.synthesis.synth as synth
from provisioner.catalog.loader import Catalog
from provisioner.models.org import OrgMonitoring, load_org
from provisioner.specs.workspaces import load_named
from provisioner.synthesis.synth import inputs_hash, synthesize

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


def copy_of_the_tool(tmp_path: Path) -> Path:
    """The tool's two packages, copied: a root to edit instead of this checkout."""
    root = tmp_path / "tool"
    for package in ("infra", "provisioner"):
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "blueprints"))
    return root


def digest_of_tool(monkeypatch: pytest.MonkeyPatch, root: Path, org: Path) -> str:
    monkeypatch.setattr(synth, "infra_dir", lambda: root / "infra")
    synth._tool_fingerprint.cache_clear()
    try:
        return digest(org)
    finally:
        synth._tool_fingerprint.cache_clear()


@pytest.mark.parametrize("module", [
    "infra/naming.py",                # the CDK layer's own code
    "provisioner/models/resolved.py",  # the workspace model the layer is handed
    "provisioner/errors.py",           # imported by modules the layer imports
])
def test_cache_is_invalidated_by_the_code_the_cdk_layer_runs(acme: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch, module: str):
    # GIVEN a copy of the tool and the hash of churn-model synthesized by it
    root = copy_of_the_tool(tmp_path)
    before = digest_of_tool(monkeypatch, root, acme)
    # WHEN one module that the CDK layer runs gains a comment
    (root / module).write_text((root / module).read_text() + "\n# changed\n")
    # THEN the hash changes
    assert digest_of_tool(monkeypatch, root, acme) != before


def test_cache_is_not_invalidated_by_code_the_cdk_layer_never_imports(acme: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    # GIVEN a copy of the tool
    root = copy_of_the_tool(tmp_path)
    before = digest_of_tool(monkeypatch, root, acme)
    # WHEN a command module (which the CDK layer never imports) changes
    (root / "provisioner/cli/audit.py").write_text((root / "provisioner/cli/audit.py").read_text() + "\n# changed\n")
    # THEN the hash stays
    assert digest_of_tool(monkeypatch, root, acme) == before


def test_import_closure_follows_imports_transitively_and_nothing_else(tmp_path: Path):
    from provisioner.synthesis.code_closure import import_closure

    # GIVEN a layer that imports a helper of the tool inside a function, which imports another one relatively
    files = {
        "layer/__init__.py": "",
        "layer/stack.py": "def build():\n    from tool.helpers import tags\n    return tags\n",
        "tool/__init__.py": "",
        "tool/helpers/__init__.py": "",
        "tool/helpers/tags.py": "from .keys import KEYS\nimport yaml\n",
        "tool/helpers/keys.py": "KEYS = ()\n",
        "tool/cli.py": "import tool.helpers.tags\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    # WHEN the layer's closure is computed
    closure = [p.relative_to(tmp_path).as_posix() for p in import_closure(tmp_path, "layer")]
    # THEN it holds the layer, what it reaches (with the packages that hold it), and not the CLI or yaml
    assert closure == ["layer/__init__.py", "layer/stack.py", "tool/__init__.py", "tool/helpers/__init__.py",
                       "tool/helpers/keys.py", "tool/helpers/tags.py"]


def test_cache_is_invalidated_by_the_evaluation_script_and_the_orgs_monitoring_settings(acme: Path):
    # GIVEN recsys-ab (realtime-endpoint 1.1.0: the monitoring pipeline uploads provision's evaluation script)
    org = load_org(acme / "provision.yaml")
    ctx = load_named(org, Catalog.for_org(org), "recsys-ab")
    assert ctx.monitoring_script is not None
    base = inputs_hash(ctx, None)
    # WHEN the script the tool ships changes  THEN its hash changes (the script object is part of the config)
    edited = dataclasses.replace(ctx.monitoring_script, text=ctx.monitoring_script.text + "\n# changed\n")
    assert inputs_hash(dataclasses.replace(ctx, monitoring_script=edited), None) != base
    # WHEN the org says it has Model Monitor  THEN its hash changes (the engine of 1.0.0 blueprints follows it)
    assert inputs_hash(dataclasses.replace(ctx, monitoring=OrgMonitoring(model_monitor=True)), None) != base


def test_a_workspace_without_monitoring_carries_no_script(acme: Path):
    # GIVEN churn-model (gpu-training: no monitoring capability)
    org = load_org(acme / "provision.yaml")
    # WHEN it is resolved  THEN it carries no evaluation script, so editing the script leaves its cache alone
    assert load_named(org, Catalog.for_org(org), "churn-model").monitoring_script is None


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("workspaces/churn-model.yaml", "name: churn-model", "# a comment\nname: churn-model"),  # not config
        ("workspaces/fraud-detector.yaml", "monthly_usd: 4500", "monthly_usd: 4400"),         # another workspace
        ("provision.yaml", "    cloud: local\n    region: eu-west-1", "    cloud: local\n    region: eu-west-2"),
                                                                                              # another environment
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
