"""The generated workflow's settings that keep an apply whole: each one here killed a mutant the workflow's other
tests let live (scripts/mutation.py quick provisioner/fleet/ci.py; docs/testing.md)."""

from __future__ import annotations

from provisioner.fleet.ci import CiEnvironment, github_workflow

ENVIRONMENTS = {env: CiEnvironment("eu-west-1", f"s3://acme-provision-state-{env}/workspaces/plans")
                for env in ("dev", "prod")}


def _step(job: dict, uses: str) -> dict:
    [step] = [s for s in job["steps"] if s.get("uses", "").startswith(uses)]
    return step


def test_a_new_run_never_cancels_an_apply_in_progress():
    # GIVEN the workflow for two environments
    workflow = github_workflow(environments=ENVIRONMENTS)
    # WHEN a second push arrives while an apply runs  THEN it queues: cancelling would stop Terraform mid-apply,
    # holding the state lock with half the resources changed
    for env in ENVIRONMENTS:
        assert workflow["jobs"][f"apply-{env}"]["concurrency"]["cancel-in-progress"] is False, env
    # AND one workspace's failure does not cancel the other workspaces' plans and applies
    for name, job in workflow["jobs"].items():
        if name != "changes":
            assert job["strategy"]["fail-fast"] is False, name


def test_change_detection_has_the_history_it_diffs_against():
    # GIVEN the workflow  WHEN the changes job checks out the repository
    checkout = _step(github_workflow(environments=ENVIRONMENTS)["jobs"]["changes"], "actions/checkout@")
    # THEN it fetches the whole history: `provision changed --since <base>` needs the base commit
    assert checkout["with"]["fetch-depth"] == 0


def test_the_reviewed_plan_is_kept_from_its_hidden_folder_under_the_head_commit():
    # GIVEN the plan job of dev
    [keep] = [step for step in github_workflow(environments=ENVIRONMENTS)["jobs"]["plan-dev"]["steps"]
              if "aws s3 cp" in step.get("run", "")]
    # THEN the saved plan under .provision/plans/ (a hidden folder) is copied, KMS-encrypted, into the
    # environment's plan store under the pull request's head commit, so that the apply job applies exactly
    # what was reviewed
    assert '".provision/plans/${{ matrix.workspace }}"' in keep["run"] and "--sse aws:kms" in keep["run"]
    assert "s3://acme-provision-state-dev/workspaces/plans/${{ github.event.pull_request.head.sha }}/" in keep["run"]


def test_terraform_runs_without_the_actions_wrapper():
    # GIVEN the workflow  WHEN Terraform is set up  THEN without the wrapper, which rewrites Terraform's output
    # and exit codes that provision reads
    setup = _step(github_workflow(environments=ENVIRONMENTS)["jobs"]["plan-dev"], "hashicorp/setup-terraform@")
    assert setup["with"]["terraform_wrapper"] is False
