"""Suppressions (blueprint, workspace, baseline), unused ones, the gate and the canary that proves the pack runs."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from audit_fixtures import FIXTURES, workspace_context
from provisioner.audit.gate import check_plan, gate
from provisioner.audit.pack import Finding, SuppressionEntry, apply_suppressions
from provisioner.audit.rules import load_rules
from provisioner.audit.runner import run_audit
from provisioner.errors import EXIT_POLICY, PolicyBlocked
from provisioner.models.blueprint import Suppression

SERVING = FIXTURES / "scenarios" / "serving.json"


def _finding(rule: str, address: str, level: str = "error") -> Finding:
    return Finding(rule, level, "t", address, address.split(".")[0], "m", "f")


def test_suppression_matches_rule_and_resource_exactly_by_glob_or_everywhere():
    # GIVEN findings and suppressions of each kind
    findings = [_finding("PROV-001", "aws_s3_bucket.data"), _finding("PROV-001", "aws_s3_bucket.logs"),
                _finding("CKV_AWS_18", "aws_s3_bucket.access_logs"), _finding("PROV-007", "aws_kms_key.key")]
    entries = [SuppressionEntry("PROV-001", "aws_s3_bucket.data", "reason one", "workspace"),
               SuppressionEntry("CKV_AWS_18", "aws_s3_bucket.*logs", "reason two", "blueprint"),
               SuppressionEntry("PROV-007", "*", "reason three", "blueprint"),
               SuppressionEntry("PROV-024", "*", "never matches anything", "workspace")]
    # WHEN applied
    marked, unused = apply_suppressions(findings, entries)
    # THEN exact, glob and `*` suppressions match; other resources stay open; the unmatched one is reported unused
    assert [f.suppressed for f in marked] == [True, False, True, True]
    assert [u.rule for u in unused] == ["PROV-024"]


def test_canary_the_pack_is_active_and_blocks_a_bad_config(tmp_path: Path):
    """MDAA-style canary: a config with known violations must be blocked, so a pack that silently stopped
    running (no rules loaded, rules erroring into NOT_APPLICABLE) is noticed."""
    # GIVEN a config with a public, unencrypted bucket
    config = tmp_path / "cdk.tf.json"
    config.write_text(json.dumps({"resource": {"aws_s3_bucket": {"open": {"bucket": "canary-open"}}}}))
    # WHEN audited
    result = run_audit(config, checkov=False)
    # THEN every rule was loaded and evaluated, and the known violations block it
    assert set(result.pack.stats) == {r.id for r in load_rules()}
    assert {"PROV-001", "PROV-002", "PROV-003", "PROV-004"} <= {f.rule_id for f in result.blocking}
    with pytest.raises(PolicyBlocked) as caught:
        gate(None, config, checkov=False)
    assert caught.value.exit_code == EXIT_POLICY == 3


def test_gate_passes_a_clean_config(acme: Path):
    # GIVEN the serving scenario audited as the churn-model workspace (no violations)
    ctx = workspace_context(acme)
    # WHEN the gate runs  THEN it returns without raising
    assert gate(ctx, SERVING, checkov=False) is None
    # AND it passed because every rule ran and none blocks, not because nothing was checked: the same audit
    # evaluated the whole pack, with passes on the config's resources and no unsuppressed error
    result = run_audit(SERVING, ctx=ctx, checkov=False)
    assert set(result.pack.stats) == {r.id for r in load_rules()}
    assert sum(stats.passed for stats in result.pack.stats.values()) > 0
    assert result.blocking == []


def test_gate_passes_when_the_error_is_suppressed_with_a_reason(acme: Path, tmp_path: Path):
    # GIVEN a config with one violation (model without network isolation) and a workspace suppression for it
    data = json.loads(SERVING.read_text())
    data["resource"]["aws_sagemaker_model"]["blue"]["enable_network_isolation"] = False
    config = tmp_path / "cdk.tf.json"
    config.write_text(json.dumps(data))
    suppression = Suppression(rule="PROV-014", resource="aws_sagemaker_model.blue",
                              reason="the model downloads a tokenizer at start; tracked in ML-123")
    blocked_ctx = workspace_context(acme)
    allowed_ctx = workspace_context(acme, suppressions=(suppression,))
    # WHEN the gate runs with and without the suppression
    with pytest.raises(PolicyBlocked) as caught:
        gate(blocked_ctx, config, checkov=False)
    gate(allowed_ctx, config, checkov=False)
    # THEN only the unsuppressed run is blocked, and the message names the spec, the rule and the resource
    assert "workspaces/churn-model.yaml" in caught.value.message
    assert "PROV-014 on aws_sagemaker_model.blue" in caught.value.message


def test_unused_workspace_suppressions_are_reported(acme: Path):
    # GIVEN a suppression that matches nothing in a clean config
    suppression = Suppression(rule="PROV-024", resource="aws_ecr_repository.images", reason="kept from an old version")
    ctx = workspace_context(acme, suppressions=(suppression,))
    # WHEN audited
    result = run_audit(SERVING, ctx=ctx, checkov=False)
    # THEN it is listed as unused, with where it was written
    assert [(u.rule, u.origin) for u in result.unused_suppressions] == [("PROV-024", "workspace")]
    assert result.unused_suppressions[0].file.endswith("churn-model.yaml")


def test_gate_also_audits_the_saved_plan(acme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a clean config and a plan whose planned values turn network isolation off (checkov out of the picture)
    monkeypatch.setenv("PROVISION_CHECKOV", str(tmp_path / "no-checkov"))
    config = json.loads(SERVING.read_text())
    (tmp_path / "cdk.tf.json").write_text(json.dumps(config))
    values = dict(config["resource"]["aws_sagemaker_model"]["blue"], enable_network_isolation=False)
    plan = {"planned_values": {"root_module": {"resources": [
        {"address": "aws_sagemaker_model.blue", "mode": "managed", "type": "aws_sagemaker_model", "name": "blue", "values": values}]}},
        "resource_changes": [{"address": "aws_sagemaker_model.blue", "type": "aws_sagemaker_model", "mode": "managed",
                              "change": {"actions": ["update"], "after_unknown": {}}}]}
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan))
    request = SimpleNamespace(action="apply", stack_dir=tmp_path, plan_json=plan_path, context=workspace_context(acme))
    # WHEN the engine's pre-apply hook runs for an apply
    # THEN the plan's finding blocks it
    with pytest.raises(PolicyBlocked, match="PROV-014 on aws_sagemaker_model.blue"):
        check_plan(request)
    # AND a destroy is not audited
    check_plan(SimpleNamespace(**{**vars(request), "action": "destroy"}))
