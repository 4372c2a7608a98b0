"""What a reviewer reads of a saved plan, on real Terraform (embedded engine, null provider): the old and new
value of each changed argument in plan, apply, `show` and every audit format; sensitive values masked as
Terraform masks them; which plan a report describes, and whether it is pending, applied or stale.

The workspace synthesizes to null resources (engine_support.null_synthesize: its parameters become
triggers), because the AWS provider is not in this tier (tests/e2e has it).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from engine_support import local_backend, null_resource, write_stack

from provisioner.engine.audit_log import who
from provisioner.engine.operations import Stack

pytestmark = pytest.mark.terraform

SECRET = "hunter2-do-not-show"
CHANGED = 'triggers.training.max_instances: "2" -> "3"'


def _set_max_instances(org: Path, old: int, new: int) -> None:
    spec = org / "workspaces" / "lab.yaml"
    spec.write_text(spec.read_text().replace(f"max_instances: {old}", f"max_instances: {new}"))


def test_a_plan_is_shown_again_with_its_values_its_maker_and_its_status(null_org: Path, run_cli, monkeypatch,
                                                                       tmp_path: Path):
    """checkov is not under test here (tests/audit has it): the apply gate finds none (PROVISION_CHECKOV names a
    missing file) and the audits run with --no-checkov, so the time goes to Terraform."""
    monkeypatch.setenv("PROVISION_CHECKOV", str(tmp_path / "no-checkov-here"))
    # GIVEN an applied workspace whose spec then changed one parameter (a trigger of a null resource)
    assert run_cli("plan", "lab").code == 0
    assert run_cli("apply", "lab", "--skip-preflight", "--yes").code == 0
    _set_max_instances(null_org, 2, 3)

    # WHEN it is planned
    plan = run_cli("plan", "lab")
    # THEN the summary shows the argument's old and new value under its resource
    assert plan.code == 0, plan.err
    assert "-/+ null_resource.parameters replace" in plan.out
    assert CHANGED + "  (forces replacement)" in plan.out

    # WHEN the saved plan is shown again
    shown = run_cli("show", "lab")
    bundle = json.loads((null_org / ".provision" / "plans" / "lab" / "bundle.json").read_text())
    # THEN it names the plan (hash, folder), who made it when, against which state, and that it is pending
    assert shown.code == 0, shown.err
    assert (f"Plan {bundle['plan_sha256'][:12]} (.provision/plans/lab) for lab (trial), made {bundle['created']} "
            f"by {who()} with embedded 1.15.5, against state serial {bundle['state']['serial']}") in shown.out
    assert "Status: not applied yet; current" in shown.out
    assert CHANGED in shown.out
    as_json = run_cli("show", "lab", "--output", "json").json()
    assert as_json["plan"]["status"]["state"] == "pending" and as_json["plan"]["made_by"] == who()
    [parameters] = [c for c in as_json["summary"]["changes"] if c["address"] == "null_resource.parameters"]
    assert {"path": "triggers.training.max_instances", "before": "2", "after": "3"}.items() <= \
        next(a for a in parameters["arguments"] if a["path"] == "triggers.training.max_instances").items()

    # WHEN it is audited, in every human format and in JSON
    reports = {fmt: run_cli("audit", "lab", "--no-checkov", "--format", fmt) for fmt in ("text", "md", "html", "json")}
    # THEN each names the plan and says it is not applied yet, and shows the value change
    for fmt, report in reports.items():
        assert report.code == 0, (fmt, report.err)
        assert bundle["plan_sha256"][:12] in report.out and "not applied yet" in report.out, fmt
        if fmt != "json":
            assert (html.escape(CHANGED) if fmt == "html" else CHANGED) in report.out, fmt
    data = reports["json"].json()
    assert data["plan"]["plan_sha256"] == bundle["plan_sha256"] and data["plan"]["state_serial"] == bundle["state"]["serial"]
    [resource] = [r for r in data["changes"]["resources"] if r["address"] == "null_resource.parameters"]
    assert any(c["path"] == "triggers.training.max_instances" and (c["before"], c["after"]) == ("2", "3")
               for c in resource["changes"])

    # WHEN the spec changes again before the plan is applied
    _set_max_instances(null_org, 3, 4)
    stale = run_cli("show", "lab")
    # THEN show and audit call the plan stale and say why
    assert "Status: stale (workspaces/lab.yaml changed): apply would refuse it" in stale.out
    assert "Changes (Terraform plan, STALE: workspaces/lab.yaml changed" in run_cli("audit", "lab", "--no-checkov").out

    # WHEN the spec is back to what the plan was made from, and the plan is applied
    _set_max_instances(null_org, 4, 3)
    applied = run_cli("apply", "lab", "--skip-preflight", "--yes")
    # THEN the apply showed the same values before applying, and show and audit now say it was applied
    assert applied.code == 0, applied.err
    assert CHANGED in applied.out
    after = run_cli("show", "lab")
    assert "Status: applied " in after.out and "its changes are made, not pending" in after.out
    audit = run_cli("audit", "lab", "--no-checkov")
    assert "Changes (Terraform plan, applied " in audit.out and "already made, not pending" in audit.out


def test_fails_when_show_finds_no_saved_plan(null_org: Path, run_cli):
    # GIVEN a workspace never planned  WHEN its plan is shown
    result = run_cli("show", "lab")
    # THEN it says there is none and how to make one (invalid input, as for apply)
    assert result.code == 2
    assert len(result.error_lines) == 1 and "workspace lab has no saved plan" in result.error_lines[0]
    assert "provision plan lab" in result.err


def test_a_changed_sensitive_value_is_shown_masked_and_never_written(tmp_path: Path, lifecycle, capsys):
    from provisioner.cli._terraform_output import render_summary

    # GIVEN an applied stack whose trigger comes from a sensitive variable
    folder = tmp_path / "stacks" / "lab"

    def write(token: str) -> Stack:
        write_stack(folder, {"keeper": null_resource({"token": "${var.token}", "size": "1"})},
                    backend=local_backend("../../state/lab/terraform.tfstate"),
                    variables={"token": {"type": "string", "sensitive": True, "default": token}})
        return Stack("lab", "sandbox", folder, blueprint_ref="null@1.0.0")

    stack = write("first-" + SECRET)
    lifecycle.plan(stack)
    lifecycle.apply(stack)
    # WHEN the secret changes and the stack is planned and summarized
    stack = write("second-" + SECRET)
    bundle = lifecycle.plan(stack)
    render_summary(bundle.plan_summary, title="Plan:")
    out = capsys.readouterr().out
    # THEN the change is said, with the value masked as Terraform masks it
    [change] = bundle.plan_summary.changes
    token = next(a for a in change.arguments if a.path == "triggers.token")
    assert (token.before, token.after, token.forces_replacement) == ("(sensitive value)", "(sensitive value)", True)
    assert "triggers.token: (sensitive value) (changed)" in out
    # AND the secret is in no file of the bundle that people read, nor in what was printed
    for text in (out, (bundle.folder / "bundle.json").read_text(), (bundle.folder / "plan.json").read_text()):
        assert SECRET not in text
