"""Validation of notebooks workspaces: `provision validate` exits 2 and names the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from notebook_helpers import EXAMPLE, crowd, edit_yaml, write_spec

from provisioner.specs.checks.notebooks import MAX_MEMBERS


def spec_file(name: str) -> str:
    return f"workspaces/{name}.yaml"


def test_example_workspace_is_valid(run):
    # GIVEN the example org's notebooks workspace
    # WHEN it is validated
    result = run("validate", spec_file(EXAMPLE))
    # THEN it passes
    assert result.code == 0, result.err
    assert f"ok {EXAMPLE}" in result.out


def test_fails_when_idle_timeout_above_cap(run, acme: Path):
    # GIVEN an idle timeout above the org's max_idle_minutes (240 in the example org)
    write_spec(acme, "nb-idle", parameters={"notebooks": {"idle_timeout_minutes": 600}})
    # WHEN the spec is validated
    result = run("validate", spec_file("nb-idle"))
    # THEN it is invalid input, naming the field, the cap and the fix
    assert result.code == 2
    [line] = result.error_lines
    assert "workspaces/nb-idle.yaml: parameters.notebooks.idle_timeout_minutes:" in line
    assert "max_idle_minutes (240)" in line and "use at most 240" in line


def test_fails_when_idle_timeout_above_cap_even_if_the_blueprint_forgets_the_guardrail(run, acme: Path):
    # GIVEN a blueprint whose idle timeout parameter has no `guardrail:` (a loose blueprint author)
    folder = acme / "loose-blueprints" / "loose-lab"
    folder.mkdir(parents=True)
    text = (Path(__file__).resolve().parents[2] / "blueprints" / "notebook-lab" / "1.0.0.yaml").read_text()
    (folder / "1.0.0.yaml").write_text(text.replace("name: notebook-lab", "name: loose-lab")
                                       .replace("    guardrail: max_idle_minutes\n", ""))
    edit_yaml(acme / "provision.yaml", lambda d: d.update(blueprint_paths=["loose-blueprints"]))
    write_spec(acme, "nb-loose", blueprint="loose-lab@1.0.0", parameters={"notebooks": {"idle_timeout_minutes": 600}})
    # WHEN the spec is validated
    result = run("validate", spec_file("nb-loose"))
    # THEN the org cap still holds
    assert result.code == 2
    assert any("parameters.notebooks.idle_timeout_minutes: 600 exceeds the org guardrail max_idle_minutes (240)" in line
               for line in result.error_lines), result.err


@pytest.mark.parametrize("member", ["carol", "carol@", "carol at example.com", "<carol@example.com>"])
def test_fails_when_member_format_unknown(run, acme: Path, member: str):
    # GIVEN a member that is not an email address
    write_spec(acme, "nb-member", members=["dave@example.com", member])
    # WHEN the spec is validated
    result = run("validate", spec_file("nb-member"))
    # THEN it is invalid input on the members field, with an example of the right form
    assert result.code == 2
    [line] = result.error_lines
    assert "workspaces/nb-member.yaml: members" in line
    assert f"{member!r} is not an email address" in line and "carol@example.com" in line


def test_fails_when_notebook_type_not_allowed(run, acme: Path):
    # GIVEN a notebook instance type outside the org allowlist
    write_spec(acme, "nb-gpu", parameters={"notebooks": {"instance_types": ["ml.t3.medium", "ml.p4d.24xlarge"]}})
    # WHEN the spec is validated
    result = run("validate", spec_file("nb-gpu"))
    # THEN the offending list entry is named with the allowed types
    assert result.code == 2
    [line] = result.error_lines
    assert "parameters.notebooks.instance_types[1]: 'ml.p4d.24xlarge' is not allowed by the org guardrails" in line
    assert "ml.t3.medium, ml.t3.large, ml.m5.large" in line


def test_fails_when_default_notebook_type_is_not_one_of_the_workspace_types(run, acme: Path):
    # GIVEN a default type the org allows but the workspace did not pick
    write_spec(acme, "nb-default", parameters={"notebooks": {"instance_types": ["ml.t3.medium"],
                                                             "default_instance_type": "ml.m5.large"}})
    # WHEN the spec is validated
    result = run("validate", spec_file("nb-default"))
    # THEN the default is named, with the fix
    assert result.code == 2
    [line] = result.error_lines
    assert "parameters.notebooks.default_instance_type: 'ml.m5.large' is not one of notebooks.instance_types" in line


def test_fails_when_org_allows_no_notebook_types(run, acme: Path):
    # GIVEN an org without a notebook allowlist (the guardrail's default is empty)
    edit_yaml(acme / "provision.yaml", lambda d: d["guardrails"].pop("notebook_instance_types"))
    # WHEN the example workspace is validated
    result = run("validate", spec_file(EXAMPLE))
    # THEN every type is refused and the hint says who can fix it
    assert result.code == 2
    assert all("notebook_instance_types" in line for line in result.error_lines)
    assert "allowed: none; ask your platform team" in result.err


def test_fails_when_missing_domain(run, acme: Path):
    # GIVEN a notebooks workspace in an environment without a Studio domain
    write_spec(acme, "nb-prod", environment="prod")
    # WHEN it is validated
    result = run("validate", spec_file("nb-prod"))
    # THEN it is invalid input naming the environment and the fix in provision.yaml
    assert result.code == 2
    [line] = result.error_lines
    assert "workspaces/nb-prod.yaml: environment: environment 'prod' has no SageMaker Studio domain" in line
    assert "studio: {domain_id: d-...}` under environments.prod in provision.yaml" in line


def test_fails_when_no_members(run, acme: Path):
    # GIVEN a notebooks workspace without members
    write_spec(acme, "nb-empty", members=[])
    # WHEN it is validated
    result = run("validate", spec_file("nb-empty"))
    # THEN the members field is named
    assert result.code == 2
    [line] = result.error_lines
    assert "workspaces/nb-empty.yaml: members: the notebooks capability needs at least one member" in line


def test_fails_when_more_members_than_the_studio_policy_can_hold(run, acme: Path):
    # GIVEN one member more than the maximum
    write_spec(acme, "nb-big", members=crowd(MAX_MEMBERS + 1))
    # WHEN it is validated
    result = run("validate", spec_file("nb-big"))
    # THEN it is refused with the limit
    assert result.code == 2
    assert f"at most {MAX_MEMBERS}" in result.err


def test_reports_missing_domain_and_missing_members_together(run, acme: Path):
    # GIVEN two spec-level problems at once
    write_spec(acme, "nb-two", environment="prod", members=[])
    # WHEN it is validated
    result = run("validate", spec_file("nb-two"))
    # THEN both are reported in one run
    assert result.code == 2
    fields = sorted(line.split(": ")[2] for line in result.error_lines)
    assert fields == ["environment", "members"]


def test_members_do_not_matter_without_the_notebooks_capability(run, acme: Path):
    # GIVEN a training-only workspace without members, in an environment without a domain
    write_spec(acme, "train-only", blueprint="gpu-training@1.0.0", environment="sandbox", members=[])
    # WHEN it is validated
    result = run("validate", spec_file("train-only"))
    # THEN the notebooks checks do not apply
    assert result.code == 0, result.err
