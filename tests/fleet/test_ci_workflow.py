"""`provision ci github` writes a GitHub Actions workflow whose trust boundaries hold (docs/security.md, CI).

The structural judge below (`trust_problems`) is the test's own reading of the workflow, independent of the
generator; each mutant a reviewer would try first (an apply on pull requests, `write-all`, one role for plan
and apply, a tag instead of a commit, a kept token, cancelled applies) is shown to be caught by it.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from provisioner.cli.main import cli

AWS_ENVIRONMENTS = ("dev", "prod")  # the example org's sandbox is `cloud: local`
SHA = re.compile(r"^[^@]+@[0-9a-f]{40}$")


@pytest.fixture
def in_org(acme: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(acme)
    monkeypatch.delenv("PROVISION_ORG", raising=False)
    return acme


def generated(org: Path) -> dict[str, Any]:
    assert cli(["ci", "github", "--force"]) == 0
    return yaml.safe_load((org / ".github" / "workflows" / "provision.yml").read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # PyYAML reads the `on` key as boolean True (YAML 1.1)


def assumed_role(job: dict[str, Any]) -> str | None:
    found = [s["with"]["role-to-assume"] for s in job.get("steps", []) if "configure-aws-credentials" in s.get("uses", "")]
    assert len(found) <= 1
    return found[0] if found else None


def trust_problems(workflow: dict[str, Any]) -> list[str]:
    """What a GitHub Actions hardening review would flag in the workflow (one line each)."""
    problems = []
    if workflow.get("permissions") != {}:
        problems.append(f"top-level permissions {workflow.get('permissions')!r}, not {{}}")
    plan_roles, apply_roles = {}, {}
    for name, job in workflow["jobs"].items():
        grants = job.get("permissions")
        if not isinstance(grants, dict):
            problems.append(f"{name}: permissions {grants!r} are not per-job grants")
            grants = {}
        runs = " ".join(s.get("run", "") for s in job["steps"])
        role = assumed_role(job)
        if grants.get("id-token") == "write" and role is None:
            problems.append(f"{name}: id-token: write but assumes no role")
        if role is not None and grants.get("id-token") != "write":
            problems.append(f"{name}: assumes a role without id-token: write")
        if grants.get("pull-requests") == "write" and "gh pr comment" not in runs:
            problems.append(f"{name}: pull-requests: write but comments nothing")
        if any(v == "write" for k, v in grants.items() if k not in ("id-token", "pull-requests")):
            problems.append(f"{name}: writes {sorted(k for k, v in grants.items() if v == 'write')}")
        for step in job["steps"]:
            uses = step.get("uses")
            if uses and not SHA.match(uses):
                problems.append(f"{name}: {uses} is not pinned to a full commit SHA")
            if uses and "actions/checkout" in uses and step.get("with", {}).get("persist-credentials") is not False:
                problems.append(f"{name}: checkout keeps the token (persist-credentials)")
        condition = job.get("if", "")
        if "provision apply" in runs:
            if not condition.startswith("github.event_name == 'push' && github.ref == 'refs/heads/"):
                problems.append(f"{name}: applies on more than a push to the default branch ({condition!r})")
            if "pull_request" in condition or not job.get("environment"):
                problems.append(f"{name}: an apply outside a GitHub environment or on pull requests")
            concurrency = job.get("concurrency") or {}
            if not concurrency.get("group") or concurrency.get("cancel-in-progress") is not False:
                problems.append(f"{name}: applies may be cancelled or run side by side ({concurrency!r})")
            apply_roles[name.removeprefix("apply-")] = role
        elif role is not None:
            if not condition.startswith("github.event_name == 'pull_request'") or job.get("environment"):
                problems.append(f"{name}: a plan job outside pull requests ({condition!r})")
            plan_roles[name.removeprefix("plan-")] = role
    for env, role in apply_roles.items():
        if role is None or role == plan_roles.get(env) or "_PLAN_" in role:
            problems.append(f"apply-{env}: assumes {role!r}, which is not its own apply role")
    return problems


def test_pull_requests_plan_with_the_plan_role_and_merges_apply_with_the_apply_role(in_org: Path):
    # WHEN the workflow is generated for the example org (dev and prod on AWS, sandbox on the local cloud)
    workflow = generated(in_org)
    # THEN per AWS environment: a plan job on pull requests and an apply job on merge, nothing for the sandbox
    assert set(workflow["jobs"]) == {"changes"} | {f"{k}-{e}" for e in AWS_ENVIRONMENTS for k in ("plan", "apply")}
    assert set(triggers(workflow)) == {"pull_request", "push"}
    assert "provision validate" in [s.get("run") for s in workflow["jobs"]["changes"]["steps"]]
    roles = []
    for env in AWS_ENVIRONMENTS:
        plan, apply = workflow["jobs"][f"plan-{env}"], workflow["jobs"][f"apply-{env}"]
        assert plan["strategy"]["matrix"]["workspace"] == f"${{{{ fromJSON(needs.changes.outputs.{env}) }}}}"
        # AND the plan assumes the read-only plan role, the apply the environment's deploy role
        assert assumed_role(plan) == f"${{{{ vars.PROVISION_{env.upper()}_PLAN_ROLE_ARN }}}}"
        assert assumed_role(apply) == f"${{{{ vars.PROVISION_{env.upper()}_ROLE_ARN }}}}"
        roles += [assumed_role(plan), assumed_role(apply)]
        # AND applies run in the GitHub environment of the same name (prod's reviewers gate its role there)
        assert apply["environment"] == env and "environment" not in plan
        assert plan["if"].startswith("github.event_name == 'pull_request'")
        assert apply["if"].startswith("github.event_name == 'push' && github.ref == 'refs/heads/main'")
        runs = [step.get("run", "") for step in plan["steps"]]
        audit = next(i for i, r in enumerate(runs) if "provision audit ${{ matrix.workspace }} --format md" in r)
        assert next(i for i, r in enumerate(runs) if r.startswith("provision plan")) < audit
    assert len(set(roles)) == 2 * len(AWS_ENVIRONMENTS)  # no role shared by two jobs or two accounts
    # AND a hardening review finds nothing
    assert trust_problems(workflow) == []


def test_permissions_are_empty_at_the_top_and_each_job_gets_only_what_it_uses(in_org: Path):
    # WHEN the workflow is generated
    workflow = generated(in_org)
    # THEN nothing is granted at the top; id-token only where a role is assumed, PR comments only where posted
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["changes"]["permissions"] == {"contents": "read"}
    for env in AWS_ENVIRONMENTS:
        assert workflow["jobs"][f"plan-{env}"]["permissions"] == {"contents": "read", "id-token": "write",
                                                                  "pull-requests": "write"}
        assert workflow["jobs"][f"apply-{env}"]["permissions"] == {"contents": "read", "id-token": "write",
                                                                   "pull-requests": "read"}


def test_every_action_is_pinned_to_a_commit_of_the_one_table_with_its_tag_in_a_comment(in_org: Path):
    from provisioner.fleet.ci import ACTIONS

    # WHEN the workflow is generated
    assert cli(["ci", "github"]) == 0
    text = (in_org / ".github" / "workflows" / "provision.yml").read_text()
    # THEN every `uses:` line names a table entry's full commit, followed by that entry's tag
    uses = re.findall(r"uses: (\S+)(.*)$", text, flags=re.M)
    assert uses
    pinned = {a.uses: a.tag for a in ACTIONS.values()}
    for action, comment in uses:
        assert SHA.match(action) and action in pinned, action
        assert comment.strip() == f"# {pinned[action]}"
    # AND checkout keeps no token in the runner's git config
    for job in yaml.safe_load(text)["jobs"].values():
        [checkout] = [s for s in job["steps"] if "actions/checkout@" in s.get("uses", "")]
        assert checkout["with"]["persist-credentials"] is False


def test_applies_of_an_environment_queue_in_merge_order_and_are_never_cancelled(in_org: Path):
    # WHEN the workflow is generated
    workflow = generated(in_org)
    # THEN each environment's applies share one concurrency group that never cancels a running apply
    for env in AWS_ENVIRONMENTS:
        assert workflow["jobs"][f"apply-{env}"]["concurrency"] == {"group": f"provision-apply-{env}",
                                                                   "cancel-in-progress": False}
    # AND no workflow-level group cancels or queues pull-request plans behind applies
    assert "concurrency" not in workflow


def test_the_apply_takes_the_bundle_of_the_merged_pull_requests_head_commit(in_org: Path):
    # WHEN the workflow is generated
    workflow = generated(in_org)
    plan, apply = workflow["jobs"]["plan-prod"], workflow["jobs"]["apply-prod"]
    # THEN the plan records and stores its bundle under the pull request's head commit, in the state bucket
    [planned] = [s for s in plan["steps"] if s.get("run", "").startswith("provision plan")]
    assert planned["env"]["PROVISION_REVIEWED_COMMIT"] == "${{ github.event.pull_request.head.sha }}"
    stored = next(s["run"] for s in plan["steps"] if s.get("run", "").startswith("aws s3 cp"))
    assert "--sse aws:kms" in stored
    assert "s3://acme-provision-state-prod/workspaces/plans/${{ github.event.pull_request.head.sha }}/" in stored
    assert not [s for s in plan["steps"] if "upload-artifact" in s.get("uses", "")]  # bundles embed state
    # AND the apply finds the merged pull request of this repository, and applies only with that commit
    reviewed = next(s for s in apply["steps"] if s.get("id") == "reviewed")
    assert ".merged_at != null" in reviewed["run"] and ".head.repo.full_name ==" in reviewed["run"]
    assert ".head.ref" not in reviewed["run"]  # never by branch name
    [applied] = [s for s in apply["steps"] if "provision apply" in s.get("run", "")]
    assert '--reviewed-commit "${{ steps.reviewed.outputs.sha }}"' in applied["run"]


MUTANTS = {
    "apply_runs_on_pull_requests": lambda w: w["jobs"]["apply-prod"].update(
        {"if": "github.event_name == 'pull_request' || github.event_name == 'push'"}),
    "apply_runs_on_any_push": lambda w: w["jobs"]["apply-prod"].update({"if": "always()"}),
    "write_all_at_the_top": lambda w: w.update({"permissions": "write-all"}),
    "write_all_in_a_job": lambda w: w["jobs"]["plan-dev"].update({"permissions": "write-all"}),
    "contents_write_in_a_job": lambda w: w["jobs"]["apply-dev"]["permissions"].update({"contents": "write"}),
    "id_token_where_no_role_is_assumed": lambda w: w["jobs"]["changes"]["permissions"].update({"id-token": "write"}),
    "plan_and_apply_share_a_role": lambda w: [s["with"].update({"role-to-assume": "${{ vars.PROVISION_PROD_PLAN_ROLE_ARN }}"})
                                              for s in w["jobs"]["apply-prod"]["steps"] if "aws-credentials" in s.get("uses", "")],
    "apply_without_its_environment": lambda w: w["jobs"]["apply-prod"].pop("environment"),
    "action_pinned_by_tag": lambda w: w["jobs"]["plan-dev"]["steps"][1].update({"uses": "actions/setup-python@v5"}),
    "checkout_keeps_the_token": lambda w: w["jobs"]["apply-dev"]["steps"][0]["with"].pop("persist-credentials"),
    "applies_cancelled_by_a_newer_merge": lambda w: w["jobs"]["apply-dev"]["concurrency"].update(
        {"cancel-in-progress": True}),
}


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_fails_when_a_hardening_review_would_reject_the_workflow(in_org: Path, mutant: str):
    """Each mutant is what a reviewer tries first; the judge must catch it (else the test above proves nothing)."""
    # GIVEN the generated workflow, which passes
    workflow = generated(in_org)
    assert trust_problems(workflow) == []
    # WHEN one trust boundary is broken
    broken = copy.deepcopy(workflow)
    MUTANTS[mutant](broken)
    # THEN the review finds it
    assert trust_problems(broken), mutant


def test_fails_when_the_workflow_exists_without_force(in_org: Path):
    assert cli(["ci", "github"]) == 0
    assert cli(["ci", "github"]) == 2
    assert cli(["ci", "github", "--force"]) == 0


def test_changed_lists_workspaces_as_json_for_the_matrix(in_org: Path, capsys):
    import json

    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@e.co", "-c", "user.name=t", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=in_org, check=True)
    spec = in_org / "workspaces" / "recsys-ab.yaml"
    spec.write_text(spec.read_text().replace("weight: 90", "weight: 80"))
    capsys.readouterr()
    assert cli(["changed", "--since", "HEAD", "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["recsys-ab"]
    # AND per environment (the workflow's matrices): recsys-ab is prod's, dev has nothing to do
    assert cli(["changed", "--since", "HEAD", "--env", "prod", "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["recsys-ab"]
    assert cli(["changed", "--since", "HEAD", "--env", "dev", "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_workflow_is_written_out_without_anchors_and_installs_this_build_of_provision(in_org: Path):
    from provisioner.runtime.versions import DISTRIBUTION, tool_version

    # WHEN the workflow is generated
    assert cli(["ci", "github"]) == 0
    text = (in_org / ".github" / "workflows" / "provision.yml").read_text()
    # THEN no node of the YAML is an anchor or an alias: every job's steps are spelled out
    events = list(yaml.parse(text))
    assert not [e for e in events if getattr(e, "anchor", None)]
    assert not [e for e in events if isinstance(e, yaml.AliasEvent)]
    # AND every job installs exactly this version of our distribution
    workflow = yaml.safe_load(text)
    for job in workflow["jobs"].values():
        installs = [s["run"] for s in job["steps"] if s.get("name") == "Install provision"]
        assert installs == [f'pip install --index-url "${{{{ vars.PROVISION_INDEX_URL }}}}" "{DISTRIBUTION}=={tool_version()}"']
    # AND never the name "provision", which belongs to an unrelated project on PyPI
    assert DISTRIBUTION == "provisioner-ml" and not re.search(r"pip install [^\n]*\bprovision[=\"' ]", text)


def check_workflow(path: Path) -> subprocess.CompletedProcess[str]:
    checker = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_workflow_validates_against_the_github_workflow_schema(in_org: Path):
    """check-jsonschema's builtin GitHub workflow schema (shipped with it: validated offline)."""
    # GIVEN a generated workflow  WHEN validated against the schema GitHub's own tooling uses  THEN it passes
    assert cli(["ci", "github"]) == 0
    result = check_workflow(in_org / ".github" / "workflows" / "provision.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_fails_schema_validation_when_a_job_is_broken(in_org: Path, tmp_path: Path):
    """The schema check can fail: a job without `runs-on` or `uses` is rejected (guards the test above)."""
    # GIVEN a generated workflow with `runs-on` removed from one job
    workflow = generated(in_org)
    del workflow["jobs"]["plan-dev"]["runs-on"]
    assert "on" in workflow  # the generated file quotes `on`, so the triggers survive the round trip
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(workflow))
    # WHEN validated THEN it is rejected
    result = check_workflow(broken)
    assert result.returncode == 1, result.stdout + result.stderr


def test_ci_pins_shows_where_each_commit_came_from_and_how_to_check_it(in_org: Path, capsys):
    import json

    from provisioner.fleet.ci import ACTIONS

    # WHEN the pins are listed
    capsys.readouterr()
    assert cli(["ci", "pins", "-o", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    # THEN each names its tag, its commit, where the commit was read and the `git ls-remote` that checks it
    assert [r["action"] for r in rows] == list(ACTIONS)
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{40}", row["commit"]) and row["source"]
        assert row["check"] == (f"git ls-remote https://github.com/{row['action']} refs/tags/{row['tag']} "
                                f"'refs/tags/{row['tag']}^{{}}'")


def test_fails_when_a_tag_now_names_another_commit_than_the_pin(in_org: Path, tmp_path: Path, capsys):
    # GIVEN mirrors of the actions whose tags name other commits than the pins (a moved or retagged release)
    from provisioner.fleet.ci import ACTIONS

    git = ["git", "-c", "user.email=t@e.co", "-c", "user.name=t"]
    for action in ACTIONS.values():
        repo = tmp_path / action.repository
        repo.mkdir(parents=True)
        subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "retagged"], cwd=repo, check=True)
        subprocess.run([*git, "tag", action.tag], cwd=repo, check=True)
    # WHEN the pins are verified against them
    capsys.readouterr()
    code = cli(["ci", "pins", "--verify", "--source", str(tmp_path / "{repository}"), "-o", "json"])
    # THEN every pin is reported as differing, and the check fails (exit 1)
    import json

    rows = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [r["matches"] for r in rows] == [False] * len(ACTIONS)
