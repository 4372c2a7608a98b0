"""`provision bootstrap ENV` against a moto server: the state bucket and key, idempotently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .aws_seed import MOTO_ACCOUNT, REGION, bucket, client

pytestmark = [pytest.mark.moto]  # every test here talks to the moto server (the `aws` fixture)

STATE_BUCKET = "acme-provision-state-dev"


def test_bootstrap_creates_a_locked_down_state_bucket(run):
    # GIVEN an environment whose state bucket does not exist
    # WHEN it is bootstrapped
    result = run("bootstrap", "dev", "--output", "json")
    # THEN every setting is created, and AWS holds exactly those settings
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["changed"] is True
    assert {s["name"]: s["action"] for s in report["steps"]}["bucket"] == "created"
    s3 = client("s3")
    assert s3.get_bucket_versioning(Bucket=STATE_BUCKET)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=STATE_BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block[key] for key in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                      "RestrictPublicBuckets"))
    rule = s3.get_bucket_encryption(Bucket=STATE_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["BucketKeyEnabled"] is True
    key_arn = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    kms = client("kms")
    key = kms.describe_key(KeyId="alias/acme-dev-provision-state")["KeyMetadata"]
    assert key["Arn"] == key_arn == report["kms_key_arn"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    policy = json.loads(s3.get_bucket_policy(Bucket=STATE_BUCKET)["Policy"])
    tls = {s["Sid"]: s for s in policy["Statement"]}
    assert tls["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert tls["DenyTlsOlderThan12"]["Effect"] == "Deny"
    # AND they are the statements every workspace bucket carries, less the bucket's name in their ids
    workspace = json.loads((Path(__file__).resolve().parents[1] / "infra" / "snapshots" / "gpu-training@1.0.0.json").read_text())
    data = json.loads(workspace["resource"]["aws_s3_bucket_policy"]["data"]["policy"])["Statement"]
    arn = "arn:aws:s3:::" + STATE_BUCKET
    denied = [{**s, "Sid": s["Sid"].removesuffix("Data"), "Resource": [arn, arn + "/*"]}
              for s in data if s["Effect"] == "Deny"]
    assert denied == [tls["DenyInsecureTransport"], tls["DenyTlsOlderThan12"]]
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=STATE_BUCKET)["Rules"]
    assert lifecycle[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    assert report["backend"] == {
        "bucket": STATE_BUCKET, "key": "workspaces/<workspace>/terraform.tfstate", "region": REGION,
        "encrypt": True, "use_lockfile": True,
    }


def test_bootstrap_twice_changes_nothing_and_says_so(run):
    # GIVEN a bootstrapped environment
    first = run("bootstrap", "dev")
    assert first.code == 0, first.err
    keys_before = client("kms").list_keys()["Keys"]
    # WHEN it is bootstrapped again
    second = run("bootstrap", "dev", "--output", "json")
    # THEN nothing changed: every step is unchanged, no second key exists
    assert second.code == 0, second.err
    report = json.loads(second.out)
    assert report["changed"] is False
    assert {s["action"] for s in report["steps"]} == {"unchanged"}
    assert client("kms").list_keys()["Keys"] == keys_before
    # AND the human output says so, with the verified backend settings
    third = run("bootstrap", "dev")
    assert "nothing to change" in third.out
    assert f"bucket = {STATE_BUCKET}" in third.out
    assert "use_lockfile = True" in third.out


def test_bootstrap_fixes_only_what_drifted_and_keeps_foreign_settings(run):
    # GIVEN a bootstrapped bucket whose versioning was suspended and that gained a policy statement and a rule
    assert run("bootstrap", "dev").code == 0
    s3 = client("s3")
    s3.put_bucket_versioning(Bucket=STATE_BUCKET, VersioningConfiguration={"Status": "Suspended"})
    policy = json.loads(s3.get_bucket_policy(Bucket=STATE_BUCKET)["Policy"])
    audit = {"Sid": "AllowAudit", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"},
             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{STATE_BUCKET}/*"}
    s3.put_bucket_policy(Bucket=STATE_BUCKET, Policy=json.dumps({**policy, "Statement": policy["Statement"] + [audit]}))
    # WHEN bootstrap runs again
    result = run("bootstrap", "dev", "--output", "json")
    # THEN only versioning is updated, and the foreign statement stays
    assert result.code == 0, result.err
    actions = {s["name"]: s["action"] for s in json.loads(result.out)["steps"]}
    assert actions["versioning"] == "updated"
    assert {a for name, a in actions.items() if name != "versioning"} == {"unchanged"}
    assert s3.get_bucket_versioning(Bucket=STATE_BUCKET)["Status"] == "Enabled"
    sids = {s["Sid"] for s in json.loads(s3.get_bucket_policy(Bucket=STATE_BUCKET)["Policy"])["Statement"]}
    assert sids == {"DenyInsecureTransport", "DenyTlsOlderThan12", "AllowAudit"}


def test_bootstrap_check_reports_drift_without_changing_anything(run):
    # GIVEN a bucket that exists but was never locked down
    bucket(STATE_BUCKET)
    # WHEN bootstrap runs in check mode
    result = run("bootstrap", "dev", "--check", "--output", "json")
    # THEN it exits 1, lists what it would change, and AWS is untouched
    assert result.code == 1
    actions = {s["name"]: s["action"] for s in json.loads(result.out)["steps"]}
    assert actions["versioning"] == "would-create"
    assert actions["encryption"] == "would-update"
    assert "provision bootstrap dev" in result.error_lines[0] + result.err
    assert "Status" not in client("s3").get_bucket_versioning(Bucket=STATE_BUCKET)


def test_bootstrap_keeps_an_existing_customer_key_and_turns_its_rotation_on(run):
    # GIVEN a state bucket already encrypted with a team's own key, rotation off
    bucket(STATE_BUCKET)
    kms = client("kms")
    own = kms.create_key(Description="team key")["KeyMetadata"]
    client("s3").put_bucket_encryption(Bucket=STATE_BUCKET, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": own["Arn"]},
         "BucketKeyEnabled": True}]})
    # WHEN it is bootstrapped
    result = run("bootstrap", "dev", "--output", "json")
    # THEN the bucket keeps that key (no new key, no alias), with rotation now on
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["kms_key_arn"] == own["Arn"]
    assert [k["KeyId"] for k in kms.list_keys()["Keys"]] == [own["KeyId"]]
    assert kms.get_key_rotation_status(KeyId=own["KeyId"])["KeyRotationEnabled"] is True
    assert {s["name"]: s["action"] for s in report["steps"]}["kms-key"] == "updated"


def test_fails_when_the_credentials_are_for_another_account(run, org):
    # GIVEN dev configured for an account the credentials are not for
    config = org / "provision.yaml"
    config.write_text(config.read_text().replace(f'account_id: "{MOTO_ACCOUNT}"', 'account_id: "999999999999"', 1))
    # WHEN bootstrap runs
    result = run("bootstrap", "dev")
    # THEN it stops with one line naming both accounts, and creates nothing
    assert result.code == 1
    assert len(result.error_lines) == 1
    assert "123456789012" in result.error_lines[0] and "999999999999" in result.error_lines[0]
    assert client("s3").list_buckets()["Buckets"] == []


def test_fails_when_the_state_bucket_is_in_another_region(run):
    # GIVEN a bucket of the configured name in us-west-2 (dev expects eu-west-1)
    bucket(STATE_BUCKET, region="us-west-2")
    # WHEN bootstrap runs
    result = run("bootstrap", "dev")
    # THEN it says where the bucket is and which setting to change
    assert result.code == 1
    assert "us-west-2" in result.error_lines[0]
    assert "environments.dev.state.region" in result.err


def test_fails_when_the_environment_keeps_local_state(run):
    # GIVEN trial, an AWS environment whose state is local  WHEN it is bootstrapped
    result = run("bootstrap", "trial")
    # THEN it is invalid input naming the field
    assert result.code == 2
    assert "environments.trial.state.backend" in result.error_lines[0]


def test_fails_when_the_environment_is_unknown(run):
    # GIVEN no environment named staging  WHEN it is bootstrapped
    result = run("bootstrap", "staging")
    # THEN it is invalid input listing the environments
    assert result.code == 2
    assert "dev, prod, sandbox" in result.err
