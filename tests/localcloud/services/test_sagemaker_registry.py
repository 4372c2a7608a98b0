"""services/sagemaker_registry.py: deleting model package groups and versions, through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import TAGS, call, error_code

pytestmark = pytest.mark.moto


def test_model_package_group_delete_round_trip(client):
    sm = client("sagemaker")
    # GIVEN a model package group
    sm.create_model_package_group(ModelPackageGroupName="churn-models", Tags=TAGS)
    # WHEN it is deleted
    call(sm, "DeleteModelPackageGroup", ModelPackageGroupName="churn-models")
    # THEN describe fails with the ValidationException "... does not exist." the provider looks for
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.describe_model_package_group(ModelPackageGroupName="churn-models")
    assert error_code(excinfo) == "ValidationException"
    assert "does not exist" in excinfo.value.response["Error"]["Message"]
    # AND deleting it again says the same (the provider then treats it as gone)
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.delete_model_package_group(ModelPackageGroupName="churn-models")
    assert "does not exist" in excinfo.value.response["Error"]["Message"]


def test_fails_when_model_package_group_still_has_versions(client):
    sm = client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn-models")
    sm.create_model_package(
        ModelPackageGroupName="churn-models",
        InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )
    # GIVEN a group holding a model version
    # WHEN the group is deleted
    with pytest.raises(sm.exceptions.ConflictException):
        sm.delete_model_package_group(ModelPackageGroupName="churn-models")
    # THEN it refuses, and the group is still there
    assert sm.describe_model_package_group(ModelPackageGroupName="churn-models")["ModelPackageGroupStatus"]


def test_model_package_delete_round_trip(client):
    sm = client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn-models")
    arn = sm.create_model_package(
        ModelPackageGroupName="churn-models",
        InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )["ModelPackageArn"]
    # GIVEN a group holding one version
    # WHEN the version is deleted
    call(sm, "DeleteModelPackage", ModelPackageName=arn)
    # THEN it is gone, and the empty group can be deleted
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.describe_model_package(ModelPackageName=arn)
    assert error_code(excinfo) == "ValidationException"
    assert sm.list_model_packages(ModelPackageGroupName="churn-models")["ModelPackageSummaryList"] == []
    sm.delete_model_package_group(ModelPackageGroupName="churn-models")


def test_fails_when_deleting_a_model_package_that_does_not_exist(client):
    sm = client("sagemaker")
    # GIVEN no such version  WHEN it is deleted  THEN the call fails as AWS fails it
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.delete_model_package(ModelPackageName="arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-models/9")
    assert error_code(excinfo) == "ValidationException"


def test_an_approval_records_the_identity_that_made_it(client):
    import boto3

    sm = client("sagemaker")
    # GIVEN a version registered by one identity
    sm.create_model_package_group(ModelPackageGroupName="churn-models")
    arn = sm.create_model_package(
        ModelPackageGroupName="churn-models", ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )["ModelPackageArn"]
    # AND a reviewer, another identity (a role assumed through STS)
    role = client("iam").create_role(RoleName="reviewer", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    credentials = client("sts").assume_role(RoleArn=role, RoleSessionName="rita")["Credentials"]
    reviewer = boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                     aws_secret_access_key=credentials["SecretAccessKey"],
                                     aws_session_token=credentials["SessionToken"], region_name="eu-west-1",
                                     ).client("sagemaker", endpoint_url=sm.meta.endpoint_url)
    # WHEN the reviewer approves it, writing someone else's name into its metadata
    reviewer.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved",
                                  CustomerMetadataProperties={"provision:approved-by": "arn:aws:iam::123456789012:user/boss"})
    described = sm.describe_model_package(ModelPackageName=arn)
    # THEN the registry records the reviewer's session as LastModifiedBy (AWS's UserContext), and the creator as CreatedBy
    assert described["LastModifiedBy"]["IamIdentity"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/reviewer/rita"
    assert described["CreatedBy"]["IamIdentity"]["Arn"] != described["LastModifiedBy"]["IamIdentity"]["Arn"]
