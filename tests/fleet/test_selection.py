"""Fleet selection: `--changed-since` in a real temporary git repo, and expiry around the date boundary."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from provisioner.catalog.loader import Catalog
from provisioner.fleet.selection import expiring, select_changed
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_all


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def org_repo(acme: Path) -> Path:
    """The example org as its own git repository, with its blueprints inside it (blueprint_paths)."""
    shutil.copytree(Path(__file__).resolve().parents[2] / "blueprints", acme / "org-blueprints")
    org_file = acme / "provision.yaml"
    org_file.write_text(org_file.read_text().replace("blueprint_paths: []", "blueprint_paths: [org-blueprints]"))
    git(acme, "init", "-q", "-b", "main")
    git(acme, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git(acme, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    return acme


def selected(root: Path, ref: str = "HEAD") -> set[str]:
    org = load_org(root / "provision.yaml")
    contexts = load_all(org, Catalog([root / "org-blueprints"]))
    return {c.name for c in select_changed(contexts, ref, org.root, org.path)}


def test_changed_since_selects_nothing_when_nothing_changed(org_repo: Path):
    assert selected(org_repo) == set()


def test_changed_since_selects_a_workspace_whose_spec_changed(org_repo: Path):
    # GIVEN a committed org  WHEN one spec changes in the working tree
    spec = org_repo / "workspaces" / "churn-model.yaml"
    spec.write_text(spec.read_text().replace("monthly_usd: 1500", "monthly_usd: 1600"))
    # THEN exactly that workspace is selected
    assert selected(org_repo) == {"churn-model"}


def test_changed_since_selects_every_user_of_a_changed_blueprint_version(org_repo: Path):
    blueprint = org_repo / "org-blueprints" / "gpu-training" / "1.0.0.yaml"
    blueprint.write_text(blueprint.read_text() + "\n# touched\n")
    users = {p.stem for p in (org_repo / "workspaces").glob("*.yaml") if "gpu-training@1.0.0" in p.read_text()}
    assert "churn-model" in users and "recsys-ab" not in users
    assert selected(org_repo) == users


def test_changed_since_selects_a_new_untracked_workspace(org_repo: Path):
    source = (org_repo / "workspaces" / "churn-model.yaml").read_text()
    (org_repo / "workspaces" / "churn-two.yaml").write_text(source.replace("name: churn-model", "name: churn-two"))
    assert selected(org_repo) == {"churn-two"}


def test_changed_since_selects_everything_when_the_org_config_changed(org_repo: Path):
    org_file = org_repo / "provision.yaml"
    org_file.write_text(org_file.read_text().replace("max_training_instances: 4", "max_training_instances: 5"))
    assert selected(org_repo) == {p.stem for p in (org_repo / "workspaces").glob("*.yaml")}


def test_changed_since_compares_against_an_older_commit(org_repo: Path):
    # GIVEN a second commit that changed one spec
    spec = org_repo / "workspaces" / "fraud-detector.yaml"
    spec.write_text(spec.read_text().replace("monthly_usd: 4500", "monthly_usd: 4000"))
    git(org_repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "cheaper")
    # THEN relative to HEAD nothing changed, relative to HEAD~1 that workspace did
    assert selected(org_repo, "HEAD") == set()
    assert selected(org_repo, "HEAD~1") == {"fraud-detector"}


def test_fails_when_the_ref_is_not_a_commit(org_repo: Path):
    from provisioner.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        selected(org_repo, "no-such-branch")
    assert caught.value.problems[0].field == "--changed-since"


@pytest.mark.parametrize(
    ("today", "within", "expected"),
    [
        (dt.date(2027, 3, 31), 0, []),                        # the expiry day itself: still alive
        (dt.date(2027, 4, 1), 0, [("churn-model", -1)]),      # the day after: expired
        (dt.date(2027, 3, 30), 1, [("churn-model", 1)]),      # expiring within 1 day
        (dt.date(2027, 3, 29), 1, []),                        # 2 days left: outside the window
        (dt.date(2027, 4, 1), 90, [("churn-model", -1), ("forecasting", 90)]),
    ],
)
def test_expiry_selection_around_the_date_boundary(acme: Path, today: dt.date, within: int, expected):
    # GIVEN churn-model expiring 2027-03-31 and forecasting 2027-06-30 (fraud-detector never expires)
    org = load_org(acme / "provision.yaml")
    names = {"churn-model", "forecasting", "fraud-detector"}
    contexts = [c for c in load_all(org, Catalog.for_org(org)) if c.name in names]
    # WHEN selecting expired/expiring workspaces on `today`
    found = expiring(contexts, today, within)
    # THEN exactly the expected ones come back, most urgent first
    assert [(e.name, e.days_left) for e in found] == expected
