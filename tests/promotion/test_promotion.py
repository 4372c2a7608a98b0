"""Model promotion across accounts, end to end on a moto server with two accounts reached through STS AssumeRole.

The example org's dev (111111111111) and prod (222222222222) get deploy roles; moto's AssumeRole hands out
credentials that act in the role's account, so dev's and prod's resources live apart as in AWS. What applying
churn-model (dev) and churn-serving (prod) would have created is made in moto with the names and the
resource policies of their real synth (cdktn); moto does not evaluate IAM or resource policies, so whether
the synthesized policies allow the calls is checked in test_promotion_iam.py.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from provisioner.models.org import load_org

pytestmark = [pytest.mark.moto]

REGION = "eu-west-1"
DEV, PROD = "111111111111", "222222222222"
EXAMPLE_ORG = Path(__file__).resolve().parents[2] / "examples" / "acme"


def deploy_role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/acme-deploy"


def with_deploy_roles(org: Path, dev_role: str = deploy_role(DEV), prod_role: str = deploy_role(PROD)) -> None:
    config = org / "provision.yaml"
    text = config.read_text()
    # (the example org names both roles already: they are replaced by the ones asked for)
    text = text.replace(f"    deploy_role_arn: {deploy_role(DEV)}\n", f"    deploy_role_arn: {dev_role}\n", 1)
    text = text.replace(f"    deploy_role_arn: {deploy_role(PROD)}\n", f"    deploy_role_arn: {prod_role}\n", 1)
    assert f"deploy_role_arn: {dev_role}\n" in text and f"deploy_role_arn: {prod_role}\n" in text
    config.write_text(text)


def session(account: str) -> Any:
    import boto3

    sts = boto3.session.Session(region_name=REGION).client("sts")
    credentials = sts.assume_role(RoleArn=deploy_role(account), RoleSessionName="test-setup")["Credentials"]
    return boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                 aws_secret_access_key=credentials["SecretAccessKey"],
                                 aws_session_token=credentials["SessionToken"], region_name=REGION)


def names_of(org: Path, name: str) -> Any:
    from infra.resource_names import WorkspaceNames
    from provisioner.catalog.loader import Catalog
    from provisioner.specs.workspaces import load_named

    loaded = load_org(str(org))
    return WorkspaceNames.of(load_named(loaded, Catalog.for_org(loaded), name))


def apply_in_moto(org: Path, name: str, account: str, config: dict, *, resource_policies: bool = True) -> Any:
    """Create in `account` what applying the workspace creates and a promotion touches, with its synthesized policies."""
    names = names_of(org, name)
    aws = session(account)
    resources = config["resource"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    aws.client("iam").create_role(RoleName=names.execution_role, AssumeRolePolicyDocument=json.dumps(trust))
    s3 = aws.client("s3")
    for bucket in (names.data_bucket, names.artifacts_bucket):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    kms = aws.client("kms")
    key_policy = resources["aws_kms_key"]["key"]["policy"]
    key = kms.create_key(Policy=key_policy if resource_policies else json.dumps(
        {"Version": "2012-10-17", "Statement": [json.loads(key_policy)["Statement"][0]]}))["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=names.key_alias, TargetKeyId=key)
    aws.client("ecr").create_repository(repositoryName=names.image_repository)
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName=names.model_package_group)
    if resource_policies:
        s3.put_bucket_policy(Bucket=names.artifacts_bucket, Policy=resources["aws_s3_bucket_policy"]["artifacts"]["policy"])
        if "aws_ecr_repository_policy" in resources:
            aws.client("ecr").set_repository_policy(repositoryName=names.image_repository,
                                                    policyText=resources["aws_ecr_repository_policy"]["images"]["policy"])
    return names


@pytest.fixture
def two_accounts(acme: Path, aws: Any, run, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example org with deploy roles for dev and prod, run from inside it."""
    pytest.importorskip("sagemaker", reason="the SageMaker SDK extra is not installed: pip install 'provisioner-ml[sagemaker]'")
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")
    monkeypatch.delenv("SAGEMAKER_USER_CONFIG_OVERRIDE", raising=False)
    with_deploy_roles(acme)
    return acme


ARTIFACT = b"the model weights, version 1"


def push_image(account: str, repository: str, tag: str, layer: bytes) -> str:
    """Push a small image (a config blob and one layer) to REPOSITORY in ACCOUNT, as `docker push` does; its digest."""
    ecr = session(account).client("ecr")
    digests = []
    for blob in (b'{"architecture": "amd64", "os": "linux"}', layer):
        upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
        ecr.upload_layer_part(repositoryName=repository, uploadId=upload, partFirstByte=0,
                              partLastByte=len(blob) - 1, layerPartBlob=blob)
        digests.append(ecr.complete_layer_upload(repositoryName=repository, uploadId=upload,
                                                 layerDigests=["sha256:" + hashlib.sha256(blob).hexdigest()])["layerDigest"])
    media = "application/vnd.docker.distribution.manifest.v2+json"
    manifest = json.dumps({"schemaVersion": 2, "mediaType": media,
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 40,
                                      "digest": digests[0]},
                           "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                                       "size": len(layer), "digest": digests[1]}]})
    return ecr.put_image(repositoryName=repository, imageManifest=manifest, imageManifestMediaType=media,
                         imageTag=tag)["image"]["imageId"]["imageDigest"]


def train_and_approve(run, org: Path) -> Any:
    """Push an image to dev's repository, train churn-model in dev with --register (its artifact written where the
    job would write it), then approve version 1 there."""
    names = names_of(org, "churn-model")
    push_image(DEV, names.image_repository, "1", b"serving code, build 1")
    image = f"{DEV}.dkr.ecr.{REGION}.amazonaws.com/{names.image_repository}:1"
    trained = run("train", "churn-model", "--image", image, "--input", f"s3://{names.data_bucket}/train/",
                  "--register", "-o", "json")
    assert trained.code == 0, trained.err
    assert trained.json()["model"]["arn"].startswith(f"arn:aws:sagemaker:{REGION}:{DEV}:")
    dev = session(DEV)
    described = dev.client("sagemaker").describe_model_package(ModelPackageName=trained.json()["model"]["arn"])
    bucket, key = described["InferenceSpecification"]["Containers"][0]["ModelDataUrl"][5:].split("/", 1)
    dev.client("s3").put_object(Bucket=bucket, Key=key, Body=ARTIFACT)
    approved = run("models", "approve", "churn-model", "1", "-o", "json")
    assert approved.code == 0, approved.err
    return names


def tree_digest(root: Path, skip: set[str]) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".provision" not in p.parts
            and str(p.relative_to(root)) not in skip}


def test_promotes_an_approved_model_from_the_dev_account_to_the_prod_account(two_accounts: Path, run, synthesized):
    # GIVEN churn-model applied in dev's account and churn-serving in prod's, reached through their deploy roles
    source = apply_in_moto(two_accounts, "churn-model", DEV, synthesized["churn-model"])
    target = apply_in_moto(two_accounts, "churn-serving", PROD, synthesized["churn-serving"])
    # AND a model trained, registered and approved in dev
    train_and_approve(run, two_accounts)
    source_version = session(DEV).client("sagemaker").describe_model_package(
        ModelPackageName=f"arn:aws:sagemaker:{REGION}:{DEV}:model-package/{source.model_package_group}/1")
    spec = two_accounts / "workspaces" / "churn-serving.yaml"
    before = tree_digest(two_accounts, {"workspaces/churn-serving.yaml"})
    # WHEN it is promoted from dev to prod
    result = run("models", "promote", "churn", "1", "--from", "dev", "--to", "prod", "-o", "json")
    # THEN prod's registry holds a new version with prod's own copies of the artifact and image, pending prod's approval
    assert result.code == 0, result.err
    promoted = result.json()
    target_arn = f"arn:aws:sagemaker:{REGION}:{PROD}:model-package/{target.model_package_group}/1"
    assert promoted["target_arn"] == target_arn and promoted["approval"] == "PendingManualApproval"
    described = session(PROD).client("sagemaker").describe_model_package(ModelPackageName=target_arn)
    [container] = described["InferenceSpecification"]["Containers"]
    assert container["ModelDataUrl"].startswith(f"s3://{target.artifacts_bucket}/{target.model_artifacts_prefix}/promoted/")
    assert container["Image"].startswith(f"{PROD}.dkr.ecr.{REGION}.amazonaws.com/{target.image_repository}@sha256:")
    metadata = described["CustomerMetadataProperties"]
    assert metadata["provision:artifact-sha256"] == hashlib.sha256(ARTIFACT).hexdigest()
    assert metadata["provision:source-arn"] == source_version["ModelPackageArn"]
    assert metadata["provision:source-account"] == DEV and metadata["provision:source-version"] == "1"
    assert metadata["provision:approved-by"].startswith(f"arn:aws:sts::{DEV}:assumed-role/acme-deploy/")
    assert metadata["provision:promoted-by"].startswith(f"arn:aws:sts::{PROD}:assumed-role/acme-deploy/")
    # AND dev's account holds no prod version, prod's none of dev's (each command landed in its own account)
    dev_groups = session(DEV).client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"]
    assert [g["ModelPackageGroupName"] for g in dev_groups] == [source.model_package_group]
    # AND the prod spec now serves it, with its origin; nothing else in the org changed
    data = __import__("yaml").safe_load(spec.read_text())
    assert data["parameters"]["serving"]["variants"][0]["model_package"] == target_arn
    assert data["model_origins"][0]["source"] == source_version["ModelPackageArn"]
    assert data["model_origins"][0]["approved_by"] == metadata["provision:approved-by"]
    assert tree_digest(two_accounts, {"workspaces/churn-serving.yaml"}) == before
    assert "# Serves the churn project's models in prod" in spec.read_text()  # comments kept
    # AND the promotion is in the audit log
    from provisioner.engine.audit_log import read

    record = [r for r in read(two_accounts / ".provision") if r["action"] == "promote"][-1]
    assert record["result"] == "ok" and record["workspace"] == "churn-serving"
    assert record["detail"]["source_arn"] == source_version["ModelPackageArn"]
    # AND promoting again registers nothing new and changes nothing
    again = run("models", "promote", "churn", "1", "--from", "dev", "--to", "prod", "-o", "json")
    assert again.code == 0, again.err
    assert again.json()["registered"] is False and again.json()["spec_changed"] is False
    # AND prod's synth resolves the promoted version into its endpoint's model, and its audit shows the origin
    audited = run("audit", "churn-serving", "--no-checkov", "-f", "json")
    assert audited.code == 0, audited.err
    report = audited.json()
    [served] = report["served_models"]
    assert served["package"] == target_arn
    assert served["origin"]["source_account"] == DEV and served["origin"]["source_version"] == 1
    assert served["origin"]["approved_by"] == metadata["provision:approved-by"]
    config = json.loads((two_accounts / "cdktf.out" / "stacks" / "churn-serving" / "cdk.tf.json").read_text())
    models = config["resource"]["aws_sagemaker_model"]
    assert [m["primary_container"]["model_package_name"] for m in models.values()] == [target_arn]
    assert "aws_sagemaker_endpoint" in config["resource"]
    text = run("audit", "churn-serving", "--no-checkov")
    assert f"promoted from account {DEV} version 1" in text.out


def test_fails_when_the_version_is_not_approved(two_accounts: Path, run, synthesized):
    # GIVEN a model registered in dev but not approved
    apply_in_moto(two_accounts, "churn-model", DEV, synthesized["churn-model"])
    apply_in_moto(two_accounts, "churn-serving", PROD, synthesized["churn-serving"])
    names = names_of(two_accounts, "churn-model")
    image = f"{DEV}.dkr.ecr.{REGION}.amazonaws.com/{names.image_repository}:1"
    assert run("train", "churn-model", "--image", image, "--register", "-o", "json").code == 0
    spec = (two_accounts / "workspaces" / "churn-serving.yaml").read_text()
    # WHEN it is promoted
    result = run("models", "promote", "churn", "1", "--from", "dev", "--to", "prod")
    # THEN policy blocks it (exit 3), nothing is registered in prod and the spec is unchanged
    assert result.code == 3, result.err
    assert "PendingManualApproval" in result.err and "provision models approve churn-model 1" in result.err
    target = names_of(two_accounts, "churn-serving")
    assert session(PROD).client("sagemaker").list_model_packages(
        ModelPackageGroupName=target.model_package_group)["ModelPackageSummaryList"] == []
    assert (two_accounts / "workspaces" / "churn-serving.yaml").read_text() == spec


def test_fails_when_the_source_account_does_not_let_the_target_read(two_accounts: Path, run, synthesized):
    # GIVEN churn-model applied in dev without the grants to prod's account (before prod joined its path)
    apply_in_moto(two_accounts, "churn-model", DEV, synthesized["churn-model"], resource_policies=False)
    apply_in_moto(two_accounts, "churn-serving", PROD, synthesized["churn-serving"])
    train_and_approve(run, two_accounts)
    # WHEN the approved version is promoted
    result = run("models", "promote", "churn", "1", "--from", "dev", "--to", "prod")
    # THEN it fails (exit 1) in one line naming both accounts and what prod cannot read; nothing registered
    assert result.code == 1, result.err
    [line] = result.error_lines
    assert f"account {DEV}" in line and f"account {PROD}" in line
    assert "model artifacts" in line and "key" in line and "images" in line
    assert "provision apply churn-model" in result.err
    target = names_of(two_accounts, "churn-serving")
    assert session(PROD).client("sagemaker").list_model_packages(
        ModelPackageGroupName=target.model_package_group)["ModelPackageSummaryList"] == []


def test_fails_when_a_deny_in_the_source_bucket_policy_undoes_the_grant(two_accounts: Path, run, synthesized):
    # GIVEN churn-model applied in dev with its grants to prod, and a Deny to prod's account added to the bucket
    source = apply_in_moto(two_accounts, "churn-model", DEV, synthesized["churn-model"])
    apply_in_moto(two_accounts, "churn-serving", PROD, synthesized["churn-serving"])
    policy = json.loads(synthesized["churn-model"]["resource"]["aws_s3_bucket_policy"]["artifacts"]["policy"])
    policy["Statement"].append({"Sid": "NoProd", "Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"},
                                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{source.artifacts_bucket}/*"})
    session(DEV).client("s3").put_bucket_policy(Bucket=source.artifacts_bucket, Policy=json.dumps(policy))
    train_and_approve(run, two_accounts)
    # WHEN the approved version is promoted
    result = run("models", "promote", "churn", "1", "--from", "dev", "--to", "prod")
    # THEN the Deny wins: it fails (exit 1) naming the model artifacts alone, and nothing is registered in prod
    assert result.code == 1, result.err
    [line] = result.error_lines
    assert "model artifacts" in line and "key" not in line.split("read ", 1)[1] and "images" not in line
    target = names_of(two_accounts, "churn-serving")
    assert session(PROD).client("sagemaker").list_model_packages(
        ModelPackageGroupName=target.model_package_group)["ModelPackageSummaryList"] == []


def test_fails_when_the_project_is_unknown(run, acme: Path):
    # GIVEN the example org  WHEN a project no workspace belongs to is promoted
    result = run("models", "promote", "no-such-project", "1", "--from", "dev", "--to", "prod")
    # THEN it is invalid input (exit 2), listing the projects there are, before anything calls AWS
    assert result.code == 2, result.err
    assert "no workspace belongs to project 'no-such-project'" in result.err and "churn" in result.err


@pytest.mark.parametrize("source, target", [("dev", "sandbox"), ("prod", "dev"), ("dev", "staging")])
def test_fails_when_the_target_is_not_next_on_the_promotion_path(run, acme: Path, source: str, target: str):
    # GIVEN the example org's path [dev, prod]  WHEN a promotion leaves it (or names an unknown environment)
    result = run("models", "promote", "churn", "1", "--from", source, "--to", target)
    # THEN it is refused as invalid input, naming the flag, before anything calls AWS
    assert result.code == 2, result.err
    assert "--to" in result.err


def test_fails_when_a_deploy_role_lands_in_another_account(two_accounts: Path, run):
    # GIVEN prod's deploy role pointing at dev's account by mistake
    config = two_accounts / "provision.yaml"
    config.write_text(config.read_text().replace(deploy_role(PROD), "arn:aws:iam::333333333333:role/acme-deploy"))
    # WHEN a prod command talks to AWS
    result = run("models", "list", "churn-serving")
    # THEN it is refused (exit 1) in one line naming both account ids
    assert result.code == 1, result.err
    [line] = result.error_lines
    assert "333333333333" in line and PROD in line and "deploy role" in line


def test_fails_when_the_project_has_two_sources_and_none_is_named(run, acme: Path):
    # GIVEN a second dev workspace of project churn (a copied spec)
    spec = (acme / "workspaces" / "churn-model.yaml").read_text().replace("name: churn-model", "name: churn-two")
    (acme / "workspaces" / "churn-two.yaml").write_text(spec)
    # WHEN a version is promoted without saying from which
    result = run("models", "promote", "churn", "1", "--from", "dev", "--to", "prod")
    # THEN it is invalid input naming both candidates (exit 2), before anything calls AWS
    assert result.code == 2, result.err
    assert "--source churn-model" in result.err and "--source churn-two" in result.err
    # AND the serving workspace still validates: its role may read both sources' models
    assert run("validate").code == 0
