"""What a reviewer reads of real AWS provider plans, on the local cloud: drift only where it matters, each
changed argument's old and new value (a weight change, a policy change statement by statement), and
reports that name the plan they describe.

The workspace is the realtime-endpoint example, applied by its own lifecycle (conftest.py: `lifecycles`);
between its converged second plan and its destroy, e2e_support.review_plans changes its weights and its
monitoring baseline through the spec and its log retention outside Terraform, plans again and reads
`show` and every audit format. The local cloud's refresh after provision's own apply is the noise: the
provider reports attributes that nobody changed (versioning filled in by its sibling resource,
`null -> []`, computed attributes).
"""

from __future__ import annotations

import html
import json

import pytest

from e2e_support import REVIEWED, REVIEWS

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.moto]


@pytest.fixture(scope="module")
def review(lifecycles) -> dict:
    if REVIEWED not in lifecycles:
        pytest.skip(f"{REVIEWED} is not among the blueprints run (PROVISION_E2E_BLUEPRINTS)")
    seen = REVIEWS.get(REVIEWED)
    if seen is None:
        pytest.fail(f"the {REVIEWED} lifecycle did not reach its plan review: {lifecycles[REVIEWED]}", pytrace=False)
    if "error" in seen:
        pytest.fail(f"the plan review stopped: {seen['error']}", pytrace=False)
    return seen


def _change(review: dict, prefix: str) -> dict:
    [change] = [c for c in review["changed"]["plan"]["summary"]["changes"] if c["address"].startswith(prefix)]
    return change


def test_refresh_noise_after_our_own_apply_is_not_reported_as_drift(review):
    # GIVEN the plan right after provision's own apply, whose refresh Terraform reports as drift
    converged = review["converged"]
    assert converged["terraform_drift"] > 0, "the provider reported no drift: this test has no noise to filter"
    # THEN none of it is reported (the plan changes nothing), all of it is counted
    assert converged["summary"]["drift"] == []
    assert converged["summary"]["drift_ignored"] == converged["terraform_drift"]


def test_a_change_made_outside_terraform_is_reported_with_its_values_and_only_it(review):
    # GIVEN a plan with changes, after the log retention was changed outside Terraform (7 -> 30 days)
    summary = review["changed"]["plan"]["summary"]
    # THEN that change is the one drift reported, with old and new value; the noise is only counted
    assert [(d["address"], [(c["path"], c["before"], c["after"]) for c in d["changes"]]) for d in summary["drift"]] == [
        ("aws_cloudwatch_log_group.logs", [("retention_in_days", 7, 30)])]
    assert review["changed"]["terraform_drift"] > 1
    assert summary["drift_ignored"] == review["changed"]["terraform_drift"] - 1
    # AND the plan puts it back, and says so in the same words
    logs = _change(review, "aws_cloudwatch_log_group.logs")
    assert [(a["path"], a["before"], a["after"]) for a in logs["arguments"]] == [("retention_in_days", 30, 7)]
    assert "aws_cloudwatch_log_group.logs\n        retention_in_days: 7 -> 30" in review["changed"]["show"]


def test_a_weight_change_shows_old_and_new_weight_in_plan_show_and_every_audit_format(review):
    # GIVEN the plan after `provision endpoint weights NAME champion=50 challenger=50` (was 80/20)
    config = _change(review, "aws_sagemaker_endpoint_configuration.")
    # THEN the endpoint configuration is replaced because of the weights, which come first with their values
    assert config["action"] == "replace"
    first = [(a["path"], a["before"], a["after"], a["forces_replacement"]) for a in config["arguments"][:2]]
    assert first == [("production_variants.0.initial_variant_weight", 80, 50, True),
                     ("production_variants.1.initial_variant_weight", 20, 50, True)]
    line = "production_variants.0.initial_variant_weight: 80 -> 50  (forces replacement)"
    assert line in review["changed"]["show"]
    audit = review["changed"]["audit"]
    for fmt in ("text", "md"):
        assert line in audit[fmt], fmt
    assert html.escape(line) in audit["html"]


def test_a_policy_change_is_shown_statement_by_statement(review):
    # GIVEN the plan after the monitoring baseline moved to monitoring/baseline-v2
    policy = _change(review, "aws_iam_role_policy.monitoring_role")
    [argument] = policy["arguments"]
    # THEN the policy shows the statements that changed and how, not two 3,000-character documents
    statements = {s["label"]: s for s in argument["statements"]}
    resource = statements["ReadMonitoringInputs"]["fields"][0]
    assert resource["field"] == "Resource"
    assert "+arn:aws:s3:::" in resource["change"] and "/monitoring/baseline-v2/*" in resource["change"]
    assert "-arn:aws:s3:::" in resource["change"] and "/monitoring/baseline/*" in resource["change"]
    assert "policy: IAM policy, statement(s) 2 changed" in review["changed"]["show"]


def test_every_audit_format_names_the_plan_it_describes_and_that_it_is_pending(review):
    # GIVEN the saved plan and its audit in every format
    plan = review["changed"]["plan"]
    shown = review["changed"]["show_json"]["plan"]
    audit = review["changed"]["audit"]
    # THEN each format names the plan by its hash, and says it is not applied yet
    for fmt in ("text", "md", "html"):
        assert plan["plan_hash"][:12] in audit[fmt] and "not applied yet" in audit[fmt], fmt
    report = json.loads(audit["json"])
    assert report["plan"]["plan_sha256"] == plan["plan_hash"] == shown["plan_sha256"]
    assert report["plan"]["state_serial"] == plan["state"]["serial"] > 0 and report["plan"]["made_by"]
    assert report["plan"]["status"]["state"] == "pending"
