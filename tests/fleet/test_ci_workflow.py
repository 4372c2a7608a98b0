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


def test_ci_github_writes_a_workflow_with_plan_matrix_and_apply(in_org: Path):
    # WHEN the workflow is generated
    assert cli(["ci", "github"]) == 0
    workflow = yaml.safe_load((in_org / ".github" / "workflows" / "provision.yml").read_text())
    # THEN it is valid YAML with the three jobs, PR and merge triggers
    assert set(workflow["jobs"]) == {"changes", "plan", "apply"}
    # (PyYAML reads the `on` key as boolean True: YAML 1.1)
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"pull_request", "push"}
    plan = workflow["jobs"]["plan"]
    assert plan["strategy"]["matrix"]["workspace"] == "${{ fromJSON(needs.changes.outputs.workspaces) }}"
    runs = [step.get("run", "") for step in plan["steps"]]
    assert any("provision audit ${{ matrix.workspace }} --format md" in r for r in runs)
    assert any(r.startswith("provision plan") for r in runs)
    assert any("gh pr comment" in r for r in runs)
    apply_runs = [step.get("run", "") for step in workflow["jobs"]["apply"]["steps"]]
    assert any("provision apply ${{ matrix.workspace }} --yes" in r for r in apply_runs)
    assert "provision validate" in [s.get("run") for s in workflow["jobs"]["changes"]["steps"]]


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
    del workflow["jobs"]["plan"]["runs-on"]
    assert "on" in workflow  # the generated file quotes `on`, so the triggers survive the round trip
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(workflow))
    # WHEN validated THEN it is rejected
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(broken)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
