"""`provision preflight NAME` and `run_preflight(ctx)` against a moto server.

SageMaker service quotas are the one thing moto cannot answer: those calls go
to a botocore Stubber (see the `stub_quotas` fixture); every other check talks
to the moto server.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from provisioner.catalog.loader import Catalog
from provisioner.cloud.preflight import failures, run_preflight
from provisioner.cloud.quotas import ENDPOINT, SPOT_TRAINING, TRAINING, QuotaNeed, quota_needs
from provisioner.models.org import load_org
from provisioner.models.resolved import WorkspaceContext
from provisioner.specs.workspaces import load_named

from .aws_seed import CHURN_QUOTAS, MOTO_ACCOUNT, bucket, client, enough_quotas, quota

pytestmark = [pytest.mark.moto]  # every test here talks to the moto server (the `aws` fixture)

STATE_BUCKET = "acme-provision-state-dev"


def context(org: Path, name: str = "churn-model") -> WorkspaceContext:
    loaded = load_org(org / "provision.yaml")
    return load_named(loaded, Catalog.for_org(loaded), name)


def by_id(checks) -> dict:
    return {check.id: check for check in checks}


@pytest.fixture
def bootstrapped(run) -> None:
    assert run("bootstrap", "dev").code == 0


def edit_org(org: Path, old: str, new: str) -> None:
    config = org / "provision.yaml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


def test_preflight_passes_for_a_ready_workspace(org, bootstrapped, stub_quotas):
    # GIVEN a bootstrapped environment in the credentials' account and quotas of 4 for every type
    aws = stub_quotas(enough_quotas(4))
    # WHEN churn-model is preflighted
    checks = run_preflight(context(org), aws=aws)
    # THEN every check passes: account, region, state bucket and one quota check per (type, usage)
    assert failures(checks) == []
    assert {c.id: c.status for c in checks} == {
        "region": "pass", "account": "pass", "state-bucket": "pass",
        "quota:ml.g5.xlarge:training": "pass", "quota:ml.g5.xlarge:spot-training": "pass",
        "quota:ml.g5.2xlarge:training": "pass", "quota:ml.g5.2xlarge:spot-training": "pass",
    }
    assert by_id(checks)["quota:ml.g5.xlarge:training"].data["current"] == 4


def test_preflight_command_prints_each_check_and_exits_0(run, bootstrapped, stub_quotas, monkeypatch):
    # GIVEN a ready workspace (quotas from the stub)
    aws = stub_quotas(enough_quotas(4))
    monkeypatch.setattr("provisioner.cli.cloud.new_aws", lambda ctx=None: aws)
    # WHEN `provision preflight churn-model -o json` runs
    result = run("preflight", "churn-model", "--output", "json")
    # THEN it exits 0 and reports every check as JSON
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["workspace"] == "churn-model"
    assert {c["status"] for c in report["checks"]} == {"pass"}


def test_fails_when_the_credentials_are_for_another_account(run, org, stub_quotas, monkeypatch):
    # GIVEN dev configured for account 999999999999, credentials for moto's 123456789012
    edit_org(org, f'account_id: "{MOTO_ACCOUNT}"', 'account_id: "999999999999"')
    monkeypatch.setattr("provisioner.cli.cloud.new_aws", lambda ctx=None: stub_quotas([]))
    # WHEN preflight runs
    result = run("preflight", "churn-model")
    # THEN the account check fails with both accounts and the fix; the rest is skipped; exit 1
    assert result.code == 1
    assert "credentials are for account 123456789012" in result.out
    assert "999999999999" in result.out
    assert "AWS_PROFILE" in result.out
    assert "SKIP" in result.out
    assert "account" in result.error_lines[0]


def test_fails_when_the_region_is_not_a_sagemaker_region(org, stub_quotas):
    # GIVEN dev in a real region where SageMaker is not offered (a region that does not exist is refused
    # when provision.yaml loads)
    edit_org(org, "region: eu-west-1", "region: sa-west-1")
    # WHEN preflight runs
    checks = run_preflight(context(org), aws=stub_quotas([]))
    # THEN the region check fails naming the field to fix, and nothing else is asked of AWS
    region = by_id(checks)["region"]
    assert region.status == "fail"
    assert "sa-west-1" in region.detail and "environments.dev.region" in region.fix
    assert {c.status for c in checks if c.id != "region"} == {"skip"}


def test_fails_when_the_region_is_not_enabled_for_the_account(org, stub_quotas):
    # GIVEN dev in an opt-in region the account has not enabled (moto reports me-south-1 as not-opted-in)
    edit_org(org, "region: eu-west-1", "region: me-south-1")
    # WHEN preflight runs
    checks = run_preflight(context(org), aws=stub_quotas([]))
    # THEN the region check fails with the command that enables it
    region = by_id(checks)["region"]
    assert region.status == "fail"
    assert "not-opted-in" in region.detail
    assert "aws account enable-region --region-name me-south-1" in region.fix


def test_warns_when_the_shell_region_differs(org, bootstrapped, stub_quotas, monkeypatch):
    # GIVEN a shell whose AWS region is us-east-1 while dev is in eu-west-1
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # WHEN preflight runs
    checks = run_preflight(context(org), aws=stub_quotas(enough_quotas(4)))
    # THEN the region check warns (it does not fail) and says what to export
    region = by_id(checks)["region"]
    assert region.status == "warn"
    assert "AWS_REGION=eu-west-1" in region.fix
    assert failures(checks) == []


def test_fails_when_the_state_bucket_does_not_exist(org, stub_quotas):
    # GIVEN dev never bootstrapped
    # WHEN preflight runs
    checks = run_preflight(context(org), aws=stub_quotas(enough_quotas(4)))
    # THEN the state bucket check fails with the bootstrap command as the fix
    state = by_id(checks)["state-bucket"]
    assert state.status == "fail"
    assert "does not exist" in state.detail
    assert "provision bootstrap dev" in state.fix


def test_fails_when_the_state_bucket_is_not_locked_down(org, stub_quotas):
    # GIVEN a state bucket without versioning, encryption, public-access blocks or TLS policy
    bucket(STATE_BUCKET)
    # WHEN preflight runs
    checks = run_preflight(context(org), aws=stub_quotas(enough_quotas(4)))
    # THEN the check fails naming each missing setting, and preflight changed none of them
    state = by_id(checks)["state-bucket"]
    assert state.status == "fail"
    for setting in ("versioning", "encryption", "public-access-block", "tls-only-policy"):
        assert setting in state.detail
    assert "Status" not in client("s3").get_bucket_versioning(Bucket=STATE_BUCKET)


def test_fails_when_the_state_bucket_is_in_another_region(org, stub_quotas):
    # GIVEN the state bucket in us-west-2 while dev says eu-west-1
    bucket(STATE_BUCKET, region="us-west-2")
    # WHEN preflight runs
    checks = run_preflight(context(org), aws=stub_quotas(enough_quotas(4)))
    # THEN the check fails saying where the bucket is and which field to set
    state = by_id(checks)["state-bucket"]
    assert state.status == "fail"
    assert "us-west-2" in state.detail
    assert "environments.dev.state.region: us-west-2" in state.fix


def test_fails_when_a_gpu_quota_is_too_small(org, bootstrapped, stub_quotas):
    # GIVEN a spot quota of 1 for ml.g5.2xlarge while churn-model may use 2 instances
    pages = enough_quotas(4)
    pages[1][1] = quota("ml.g5.2xlarge for spot training job usage", "L-TEST0004", 1)
    # WHEN preflight runs
    checks = run_preflight(context(org), aws=stub_quotas(pages))
    # THEN exactly that quota fails, with its name, code, current value, the need and how to ask for more
    [failed] = failures(checks)
    assert failed.id == "quota:ml.g5.2xlarge:spot-training"
    assert failed.data == {"quota_name": "ml.g5.2xlarge for spot training job usage", "quota_code": "L-TEST0004",
                           "current": 1, "needed": 2, "adjustable": True, "applied": True, "region": "eu-west-1",
                           "source": "training.max_instances = 2 (training.spot = true)"}
    assert ("aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code L-TEST0004 "
            "--desired-value 2 --region eu-west-1") in failed.fix
    assert "lower training.max_instances to 1" in failed.fix


def test_fails_when_a_quota_is_zero_and_not_adjustable(org, bootstrapped, stub_quotas):
    # GIVEN a training quota of 0 that Service Quotas cannot raise
    pages = enough_quotas(4)
    pages[0][1] = quota("ml.g5.xlarge for training job usage", "L-TEST0001", 0, adjustable=False)
    # WHEN preflight runs
    checks = run_preflight(context(org), aws=stub_quotas(pages))
    # THEN it fails and points at AWS Support instead of a quota request
    failed = by_id(checks)["quota:ml.g5.xlarge:training"]
    assert failed.status == "fail"
    assert "AWS Support" in failed.fix
    assert "request-service-quota-increase" not in failed.fix


def test_reads_defaults_for_quotas_without_an_applied_value(org, bootstrapped, stub_quotas):
    # GIVEN applied values for only two quotas; the other two only have AWS defaults (0 and 8)
    applied = [[quota(name, code, 4) for name, code in list(CHURN_QUOTAS.items())[:2]]]
    defaults = [[quota("ml.g5.2xlarge for training job usage", "L-TEST0003", 0)],
                [quota("ml.g5.2xlarge for spot training job usage", "L-TEST0004", 8)]]
    # WHEN preflight runs
    checks = by_id(run_preflight(context(org), aws=stub_quotas(applied, defaults)))
    # THEN the defaults are used: 0 fails, 8 passes
    assert checks["quota:ml.g5.2xlarge:training"].status == "fail"
    assert checks["quota:ml.g5.2xlarge:training"].data["applied"] is False
    assert checks["quota:ml.g5.2xlarge:spot-training"].status == "pass"


def test_fails_when_no_quota_exists_for_an_instance_type(org, bootstrapped, stub_quotas):
    # GIVEN a region without any quota for ml.g5.2xlarge (the type is not offered there)
    applied = [[quota(name, code, 4) for name, code in list(CHURN_QUOTAS.items())[:2]]]
    # WHEN preflight runs
    checks = by_id(run_preflight(context(org), aws=stub_quotas(applied, [[]])))
    # THEN both ml.g5.2xlarge checks fail saying the type is probably not offered
    for usage in ("training", "spot-training"):
        check = checks[f"quota:ml.g5.2xlarge:{usage}"]
        assert check.status == "fail"
        assert "not offered" in check.detail
        assert "training.instance_types" in check.fix


def test_warns_when_quotas_cannot_be_read(org, bootstrapped, stub_quotas):
    # GIVEN credentials that may not call Service Quotas
    aws = stub_quotas([], error="AccessDeniedException")
    # WHEN preflight runs
    checks = by_id(run_preflight(context(org), aws=aws))
    # THEN one warning names the missing permissions; nothing fails
    assert checks["quotas"].status == "warn"
    assert "servicequotas:ListServiceQuotas" in checks["quotas"].fix
    assert not any(c.failed for c in checks.values())


def test_checks_endpoint_quotas_of_serving_variants(org, bootstrapped, stub_quotas):
    # GIVEN a workspace that serves two variants on ml.g4dn.xlarge (up to 2 + 3 instances) and trains on nothing
    ctx = dataclasses.replace(context(org), parameters={"serving.variants": [
        {"name": "blue", "instance_type": "ml.g4dn.xlarge", "initial_instance_count": 1, "max_instance_count": 2},
        {"name": "green", "instance_type": "ml.g4dn.xlarge", "initial_instance_count": 3},
    ]})
    # WHEN preflight runs with an endpoint quota of 4
    aws = stub_quotas([[quota("ml.g4dn.xlarge for endpoint usage", "L-TEST0009", 4)]])
    checks = run_preflight(ctx, aws=aws)
    # THEN the endpoint quota fails: both variants together may need 5
    [failed] = failures(checks)
    assert failed.id == "quota:ml.g4dn.xlarge:endpoint"
    assert failed.data["needed"] == 5
    assert "variants on ml.g4dn.xlarge to 4 in total" in failed.fix


def test_skips_the_state_check_for_local_state(org, stub_quotas):
    # GIVEN a workspace in trial, which keeps its state locally
    spec = (org / "workspaces" / "churn-model.yaml").read_text()
    (org / "workspaces" / "scratch.yaml").write_text(
        spec.replace("name: churn-model", "name: scratch").replace("environment: dev", "environment: trial"))
    # WHEN preflight runs
    checks = by_id(run_preflight(context(org, "scratch"), aws=stub_quotas(enough_quotas(4))))
    # THEN the state bucket check is skipped, not failed
    assert checks["state-bucket"].status == "skip"


def test_quota_needs_follow_the_workspace_parameters():
    # GIVEN training on two types with spot, serving variants sharing a type, and a shadow variant
    parameters = {
        "training.instance_types": ["ml.g5.xlarge", "ml.p4d.24xlarge"], "training.max_instances": 3,
        "training.spot": True,
        "serving.variants": [{"instance_type": "ml.g4dn.xlarge", "initial_instance_count": 1, "max_instances": 4},
                             {"instance_type": "ml.g4dn.xlarge", "initial_instance_count": 2}],
        "serving.shadow_variant": {"name": "shadow", "instance_type": "ml.g5.xlarge", "initial_instance_count": 1},
    }
    # WHEN the needs are computed
    needs = {(n.instance_type, n.usage): n.count for n in quota_needs(parameters)}
    # THEN training needs max_instances per type (twice with spot); endpoint variants add up their maximums
    assert needs == {("ml.g5.xlarge", TRAINING): 3, ("ml.p4d.24xlarge", TRAINING): 3,
                     ("ml.g5.xlarge", SPOT_TRAINING): 3, ("ml.p4d.24xlarge", SPOT_TRAINING): 3,
                     ("ml.g4dn.xlarge", ENDPOINT): 6, ("ml.g5.xlarge", ENDPOINT): 1}
    assert QuotaNeed("ml.g5.xlarge", SPOT_TRAINING, 3, "").quota_name == "ml.g5.xlarge for spot training job usage"
    # AND without spot, no spot quota is needed
    assert all(u != SPOT_TRAINING for _, u in
               ((n.instance_type, n.usage) for n in quota_needs({**parameters, "training.spot": False})))


def gate_request(ctx: WorkspaceContext, action: str, tmp_path: Path):
    from provisioner.engine.gates import GateRequest
    from provisioner.engine.summary import PlanSummary

    return GateRequest(workspace=ctx.name, environment=ctx.environment, action=action, stack_dir=tmp_path,
                       plan_file=tmp_path / "plan", plan_json=tmp_path / "plan.json", summary=PlanSummary(),
                       context=ctx)


def test_the_apply_gate_stops_with_one_line_per_failed_check(org, tmp_path):
    # GIVEN an environment that was never bootstrapped, on the apply path of provisioner.engine.gates
    from provisioner.cloud.preflight import PreflightFailed
    from provisioner.engine.gates import run_pre_apply_gates

    ctx = context(org)
    # WHEN the gate runs before a destroy (no quota checks: moto has no quotas, and a destroy frees capacity)
    with pytest.raises(PreflightFailed) as caught:
        run_pre_apply_gates(gate_request(ctx, "destroy", tmp_path), ["provisioner.cloud.preflight:gate"])
    # THEN it raises exit 1 with one line for the state bucket, naming the fix
    assert caught.value.exit_code == 1
    [line] = caught.value.lines()
    assert line.startswith("preflight churn-model: state bucket:")
    assert "provision bootstrap dev" in line


def test_the_apply_gate_lets_a_ready_workspace_through(org, bootstrapped, tmp_path):
    # GIVEN a bootstrapped environment  WHEN the gate runs before a destroy  THEN it returns quietly
    from provisioner.cloud.preflight import run_preflight
    from provisioner.engine.gates import run_pre_apply_gates

    ctx = context(org)
    assert run_pre_apply_gates(gate_request(ctx, "destroy", tmp_path), ["provisioner.cloud.preflight:gate"]) is None
    # AND it let the workspace through because its checks pass, not because it checked nothing: the checks the
    # gate runs for a destroy found the state bucket ready and failed none
    checks = run_preflight(ctx, quotas=False)
    assert [c.id for c in checks if c.failed] == []
    assert any(c.id == "state-bucket" and c.status == "pass" for c in checks), [c.to_dict() for c in checks]
