"""POCs planted in the local cloud the way people make them: by hand, each by its own IAM user (CloudTrail
records who), some tagged for a workspace that has no spec, some not tagged at all."""

from __future__ import annotations

import datetime as dt

import pytest

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/poc-role"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/serve:1"
HOURS = 730  # the price table's hours per month
POC_TAGS = [{"Key": "provision:org", "Value": "acme"}, {"Key": "provision:environment", "Value": "sandbox"},
            {"Key": "provision:workspace", "Value": "pricing-lab"}]


def session(endpoint: str, key: str = "testing", secret: str = "testing"):
    import boto3

    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=REGION)
    return lambda service: session.client(service, endpoint_url=endpoint)


def as_user(endpoint: str, name: str):
    iam = session(endpoint)("iam")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return session(endpoint, key["AccessKeyId"], key["SecretAccessKey"])


def endpoint(client, name: str, instance_type: str, count: int, tags: list | None = None) -> dt.datetime:
    sm = client("sagemaker")
    sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[{
        "VariantName": "main", "ModelName": f"{name}-model", "InstanceType": instance_type,
        "InitialInstanceCount": count}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config", **({"Tags": tags} if tags else {}))
    return sm.describe_endpoint(EndpointName=name)["CreationTime"]


@pytest.fixture
def pocs(sandbox, acme):
    """Alice's tagged pricing POC (an endpoint that served traffic, and its data bucket) with no spec in the
    org; Bob's untagged demo endpoint (never invoked) and finished training job. Returns the day they were made."""
    url = sandbox.endpoint
    alice, bob = as_user(url, "alice"), as_user(url, "bob")
    created = endpoint(alice, "pricing-poc-endpoint", "ml.g4dn.xlarge", 2, POC_TAGS)
    alice("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=[{
        "MetricName": "Invocations", "Timestamp": created, "Value": 42.0, "Unit": "None",
        "Dimensions": [{"Name": "EndpointName", "Value": "pricing-poc-endpoint"},
                       {"Name": "VariantName", "Value": "main"}]}])
    alice("s3").create_bucket(Bucket="acme-pricing-poc-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    alice("s3").put_bucket_tagging(Bucket="acme-pricing-poc-data", Tagging={"TagSet": POC_TAGS})
    endpoint(bob, "adhoc-demo", "ml.m5.large", 1)
    bob("sagemaker").create_training_job(
        TrainingJobName="adhoc-train", RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://acme-pricing-poc-data/out"},
        ResourceConfig={"InstanceType": "ml.g4dn.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    return created.date()
