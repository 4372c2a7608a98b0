"""`provision ci github` writes a valid GitHub Actions workflow with the expected jobs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from provisioner.cli.main import cli


@pytest.fixture
def in_org(acme: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(acme)
    monkeypatch.delenv("PROVISION_ORG", raising=False)
    return acme


def test_ci_github_writes_a_plan_and_an_apply_job_per_environment_each_with_its_role(in_org: Path):
    # WHEN the workflow is generated for the example org (dev, prod, sandbox)
    assert cli(["ci", "github"]) == 0
    path = in_org / ".github" / "workflows" / "provision.yml"
    workflow = yaml.safe_load(path.read_text())
    # THEN it has the change detection job and, per environment, a plan and an apply job
    environments = ("dev", "prod", "sandbox")
    assert set(workflow["jobs"]) == {"changes"} | {f"{kind}-{env}" for env in environments for kind in ("plan", "apply")}
    # (PyYAML reads the `on` key as boolean True: YAML 1.1)
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"pull_request", "push"}
    assert "provision validate" in [s.get("run") for s in workflow["jobs"]["changes"]["steps"]]
    roles = set()
    for env in environments:
        plan, apply = workflow["jobs"][f"plan-{env}"], workflow["jobs"][f"apply-{env}"]
        # AND each environment's jobs run over its own changed workspaces, with its own role variable
        assert plan["strategy"]["matrix"]["workspace"] == f"${{{{ fromJSON(needs.changes.outputs.{env}) }}}}"
        assert f"--env {env} --output json" in workflow["jobs"]["changes"]["steps"][-1]["run"]
        for job in (plan, apply):
            [credentials] = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
            assert credentials["with"]["role-to-assume"] == f"${{{{ vars.PROVISION_{env.upper()}_ROLE_ARN }}}}"
            assert credentials["with"]["aws-region"] == "eu-west-1"
            roles.add(credentials["with"]["role-to-assume"])
        # AND applies run in the GitHub environment of the same name (prod's reviewers gate it there)
        assert apply["environment"] == env and "environment" not in plan
        runs = [step.get("run", "") for step in plan["steps"]]
        audit = next(i for i, r in enumerate(runs) if "provision audit ${{ matrix.workspace }} --format md" in r)
        # AND the audit comes after the plan, so that the pull-request comment shows the plan's changes
        assert next(i for i, r in enumerate(runs) if r.startswith("provision plan")) < audit
        assert any("provision apply ${{ matrix.workspace }} --yes" in step.get("run", "") for step in apply["steps"])
    assert len(roles) == len(environments)  # no single role for every account


def test_fails_when_the_workflow_exists_without_force(in_org: Path):
    assert cli(["ci", "github"]) == 0
    assert cli(["ci", "github"]) == 2
    assert cli(["ci", "github", "--force"]) == 0


def test_changed_lists_workspaces_as_json_for_the_matrix(in_org: Path, capsys):
    import json
    import subprocess

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


def test_workflow_is_written_out_without_anchors_and_pins_this_version_of_provision(in_org: Path):
    # GIVEN this installed version of provision
    from importlib.metadata import version

    # WHEN the workflow is generated
    assert cli(["ci", "github"]) == 0
    text = (in_org / ".github" / "workflows" / "provision.yml").read_text()
    # THEN no node of the YAML is an anchor or an alias: every job's steps are spelled out
    events = list(yaml.parse(text))
    assert not [e for e in events if getattr(e, "anchor", None)]
    assert not [e for e in events if isinstance(e, yaml.AliasEvent)]
    # AND every job installs exactly this version of provision
    workflow = yaml.safe_load(text)
    for job in workflow["jobs"].values():
        installs = [s["run"] for s in job["steps"] if s.get("name") == "Install provision"]
        assert installs == [f'pip install "provision=={version("provision")}"']


def test_workflow_validates_against_the_github_workflow_schema(in_org: Path):
    """check-jsonschema's builtin GitHub workflow schema (shipped with it: validated offline)."""
    import subprocess
    import sys

    # GIVEN a generated workflow
    assert cli(["ci", "github"]) == 0
    # WHEN check-jsonschema validates it against the schema GitHub's own tooling uses
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows",
                             str(in_org / ".github" / "workflows" / "provision.yml")],
                            capture_output=True, text=True, timeout=120)
    # THEN it passes
    assert result.returncode == 0, result.stdout + result.stderr


def test_fails_schema_validation_when_a_job_is_broken(in_org: Path, tmp_path: Path):
    """The schema check can fail: a job without `runs-on` or `uses` is rejected (guards the test above)."""
    import subprocess
    import sys

    # GIVEN a generated workflow with `runs-on` removed from one job
    assert cli(["ci", "github"]) == 0
    workflow = yaml.safe_load((in_org / ".github" / "workflows" / "provision.yml").read_text())
    del workflow["jobs"]["plan-dev"]["runs-on"]
    assert "on" in workflow  # the generated file quotes `on`, so the triggers survive the round trip
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(workflow))
    # WHEN validated THEN it is rejected
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(broken)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
