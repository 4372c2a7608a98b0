"""The generated workflow's settings that keep an apply whole: each one here killed a mutant the workflow's other
tests let live (scripts/mutation.py quick provisioner/fleet/ci.py; docs/testing.md)."""

from __future__ import annotations

from provisioner.fleet.ci import github_workflow

ENVIRONMENTS = {"dev": "eu-west-1", "prod": "eu-west-1"}


def _step(job: dict, uses: str) -> dict:
    [step] = [s for s in job["steps"] if s.get("uses", "").startswith(uses)]
    return step


def test_a_new_run_never_cancels_an_apply_in_progress():
    # GIVEN the workflow for two environments
    workflow = github_workflow(environments=ENVIRONMENTS)
    # WHEN a second push arrives while an apply runs  THEN it queues: cancelling would stop Terraform mid-apply,
    # holding the state lock with half the resources changed
    assert workflow["concurrency"]["cancel-in-progress"] is False
    # AND one workspace's failure does not cancel the other workspaces' plans and applies
    for name, job in workflow["jobs"].items():
        if name != "changes":
            assert job["strategy"]["fail-fast"] is False, name


def test_change_detection_has_the_history_it_diffs_against():
    # GIVEN the workflow  WHEN the changes job checks out the repository
    checkout = _step(github_workflow(environments=ENVIRONMENTS)["jobs"]["changes"], "actions/checkout@")
    # THEN it fetches the whole history: `provision changed --since <base>` needs the base commit
    assert checkout["with"]["fetch-depth"] == 0


def test_the_reviewed_plan_is_uploaded_from_its_hidden_folder():
    # GIVEN the plan job of dev
    upload = _step(github_workflow(environments=ENVIRONMENTS)["jobs"]["plan-dev"], "actions/upload-artifact@")
    # THEN the saved plan under .provision/ (a hidden folder, which upload-artifact leaves out by default) is
    # uploaded, so that the apply job applies exactly what was reviewed
    assert ".provision/plans/" in upload["with"]["path"]
    assert upload["with"]["include-hidden-files"] is True


def test_terraform_runs_without_the_actions_wrapper():
    # GIVEN the workflow  WHEN Terraform is set up  THEN without the wrapper, which rewrites Terraform's output
    # and exit codes that provision reads
    setup = _step(github_workflow(environments=ENVIRONMENTS)["jobs"]["plan-dev"], "hashicorp/setup-terraform@")
    assert setup["with"]["terraform_wrapper"] is False
