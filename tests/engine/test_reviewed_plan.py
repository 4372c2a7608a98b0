"""The reviewed plan is the applied plan (CI on merge, `provision apply --reviewed-commit SHA`).

Real Terraform (embedded engine) on null resources, local state. Each refusal names the check that failed
in one line, and nothing is applied (the state file never appears)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from engine_support import local_backend, null_resource, write_stack

from provisioner.engine.bundle import PlanBundle, PlanOutdated, PlanRefused, ReviewedPlan
from provisioner.engine.operations import Stack
from provisioner.errors import InvalidInput

pytestmark = pytest.mark.terraform

HEAD = "3f2a9c41d6e8b7a5c0f1e2d3c4b5a69788796a5b"
OTHER = "0123456789abcdef0123456789abcdef01234567"
REPOSITORY = "acme/ml-platform"


def _stack(tmp_path: Path, value: str = "1") -> Stack:
    folder = tmp_path / "stacks" / "lab"
    write_stack(folder, {"job": null_resource({"v": value})}, backend=local_backend("../../state/lab/terraform.tfstate"))
    return Stack("lab", "sandbox", folder, blueprint_ref="null@1.0.0")


def _state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "lab" / "terraform.tfstate"


@pytest.fixture
def reviewed_bundle(tmp_path: Path, lifecycle, monkeypatch: pytest.MonkeyPatch) -> PlanBundle:
    # GIVEN CI planned the pull request's head commit (the workflow's plan step sets these variables)
    monkeypatch.setenv("PROVISION_REVIEWED_COMMIT", HEAD)
    monkeypatch.setenv("PROVISION_REPOSITORY", REPOSITORY)
    bundle = lifecycle.plan(_stack(tmp_path))
    monkeypatch.delenv("PROVISION_REVIEWED_COMMIT")
    assert (bundle.commit, bundle.repository) == (HEAD, REPOSITORY)
    assert PlanBundle.load(bundle.folder).commit == HEAD  # recorded in bundle.json
    return bundle


def test_applies_the_bundle_planned_for_the_merged_head_commit(tmp_path: Path, lifecycle, reviewed_bundle):
    # WHEN the merge's apply names that head commit and repository
    outcome = lifecycle.apply(_stack(tmp_path), reviewed=ReviewedPlan(HEAD, REPOSITORY))
    # THEN the reviewed plan is applied
    assert outcome.status == "applied" and _state(tmp_path).exists()


def test_fails_when_the_plan_file_was_swapped_for_another(tmp_path: Path, lifecycle, reviewed_bundle, monkeypatch):
    # GIVEN the reviewed bundle's plan.tfplan replaced by a plan of something else (bundle.json left as it was)
    kept = tmp_path / "kept"
    shutil.copytree(reviewed_bundle.folder, kept)
    other = lifecycle.plan(_stack(tmp_path, value="evil"))
    swapped = other.plan_file.read_bytes()
    shutil.rmtree(reviewed_bundle.folder)
    shutil.copytree(kept, reviewed_bundle.folder)
    reviewed_bundle.plan_file.write_bytes(swapped)
    # WHEN applied as the reviewed plan  THEN refused: one line naming the plan_sha256 check, nothing applied
    with pytest.raises(PlanRefused) as refused:
        lifecycle.apply(_stack(tmp_path, value="evil"), reviewed=ReviewedPlan(HEAD, REPOSITORY))
    assert "check plan_sha256 failed" in refused.value.message and "\n" not in refused.value.message
    assert refused.value.exit_code == 1
    assert not _state(tmp_path).exists()


def test_fails_when_plan_json_no_longer_says_what_the_plan_file_holds(tmp_path: Path, lifecycle, reviewed_bundle):
    # GIVEN a forged plan.json (what reviewers and the audit read) that hides the change
    plan = json.loads(reviewed_bundle.plan_json.read_text())
    plan["resource_changes"] = []
    reviewed_bundle.plan_json.write_text(json.dumps(plan))
    # WHEN applied as the reviewed plan  THEN refused naming the plan.json check, nothing applied
    with pytest.raises(PlanRefused) as refused:
        lifecycle.apply(_stack(tmp_path), reviewed=ReviewedPlan(HEAD, REPOSITORY))
    assert "check plan.json failed" in refused.value.message and "\n" not in refused.value.message
    assert not _state(tmp_path).exists()


@pytest.mark.parametrize("merged", [ReviewedPlan(OTHER, REPOSITORY), ReviewedPlan(HEAD, "mallory/ml-platform")],
                         ids=["another-commit", "a-fork"])
def test_fails_when_the_bundle_is_foreign(tmp_path: Path, lifecycle, reviewed_bundle, merged: ReviewedPlan):
    # GIVEN a bundle planned for another commit, or for the same commit of another repository (a fork)
    # WHEN applied for the merged pull request  THEN refused naming the commit check, nothing applied
    with pytest.raises(PlanRefused) as refused:
        lifecycle.apply(_stack(tmp_path), reviewed=merged)
    assert "check commit failed" in refused.value.message and "\n" not in refused.value.message
    assert not _state(tmp_path).exists()


def test_fails_when_a_bundle_made_outside_ci_is_applied_as_reviewed(tmp_path: Path, lifecycle):
    # GIVEN a bundle planned on a laptop (no reviewed commit recorded)
    lifecycle.plan(_stack(tmp_path))
    # WHEN applied as the merged pull request's plan  THEN refused, nothing applied
    with pytest.raises(PlanRefused, match="check commit failed"):
        lifecycle.apply(_stack(tmp_path), reviewed=ReviewedPlan(HEAD, REPOSITORY))
    assert not _state(tmp_path).exists()


def test_fails_when_the_reviewed_bundle_is_stale(tmp_path: Path, lifecycle, reviewed_bundle):
    # GIVEN the reviewed bundle kept aside, and another apply that moved the state since it was planned
    kept = tmp_path / "kept"
    shutil.copytree(reviewed_bundle.folder, kept)
    lifecycle.plan(_stack(tmp_path, value="2"))
    lifecycle.apply(_stack(tmp_path, value="2"))
    serial = json.loads(_state(tmp_path).read_text())["serial"]
    shutil.rmtree(reviewed_bundle.folder)
    shutil.copytree(kept, reviewed_bundle.folder)
    # WHEN the old reviewed bundle is applied  THEN refused as stale, and the state is untouched
    with pytest.raises(PlanOutdated, match="the plan is stale"):
        lifecycle.apply(_stack(tmp_path), reviewed=ReviewedPlan(HEAD, REPOSITORY))
    assert json.loads(_state(tmp_path).read_text())["serial"] == serial


def test_fails_when_the_reviewed_commit_is_not_a_full_sha():
    # WHEN the workflow passes a short or empty commit  THEN it is invalid input (exit 2), naming the option
    with pytest.raises(InvalidInput) as invalid:
        ReviewedPlan.of("3f2a9c4", REPOSITORY)
    assert invalid.value.exit_code == 2 and "--reviewed-commit" in str(invalid.value)


@pytest.mark.parametrize(("commit", "repository", "named"), [("3f2a9c4", REPOSITORY, "--reviewed-commit"),
                                                           (HEAD, None, "PROVISION_REPOSITORY")],
                         ids=["short-sha", "no-repository"])
def test_fails_when_apply_is_asked_for_a_reviewed_plan_it_cannot_identify(acme: Path, run, monkeypatch, commit,
                                                                           repository, named):
    # GIVEN the CI apply step with a short commit, or without the repository the workflow sets
    if repository:
        monkeypatch.setenv("PROVISION_REPOSITORY", repository)
    else:
        monkeypatch.delenv("PROVISION_REPOSITORY", raising=False)
    # WHEN it runs  THEN invalid input (exit 2) naming what is missing, before any plan is looked at
    result = run("apply", "churn-model", "--yes", "--reviewed-commit", commit)
    assert result.code == 2 and named in result.err, result.err
