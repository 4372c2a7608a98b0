"""Helpers that plant resources in the moto server (through AWS_ENDPOINT_URL) and build quota replies."""

from __future__ import annotations

from typing import Any

MOTO_ACCOUNT = "123456789012"
REGION = "eu-west-1"
ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/provision-test"
IMAGE = f"{MOTO_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1"


def client(service: str, region: str = REGION) -> Any:
    """A plain boto3 client for seeding moto (AWS_ENDPOINT_URL points it at the moto server)."""
    import boto3

    return boto3.client(service, region_name=region)


def tags(workspace: str | None, environment: str = "dev", org: str = "acme", **extra: str) -> list[dict[str, str]]:
    values = {"provision:org": org, "provision:environment": environment, **extra}
    if workspace:
        values["provision:workspace"] = workspace
    return [{"Key": k, "Value": v} for k, v in values.items()]


def training_job(name: str, tag_list: list[dict[str, str]] | None, instance_type: str = "ml.g5.xlarge") -> str:
    kwargs: dict[str, Any] = {"Tags": tag_list} if tag_list else {}
    return client("sagemaker").create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://acme-artifacts/out"},
        ResourceConfig={"InstanceType": instance_type, "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        **kwargs,
    )["TrainingJobArn"]


def model(name: str, tag_list: list[dict[str, str]] | None) -> str:
    kwargs: dict[str, Any] = {"Tags": tag_list} if tag_list else {}
    return client("sagemaker").create_model(
        ModelName=name, ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://acme-artifacts/model.tar.gz"}, **kwargs,
    )["ModelArn"]


def bucket(name: str, tag_list: list[dict[str, str]] | None = None, region: str = REGION) -> None:
    s3 = client("s3", region)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if tag_list:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list})


def quota(name: str, code: str, value: float, adjustable: bool = True) -> dict[str, Any]:
    return {"ServiceCode": "sagemaker", "ServiceName": "Amazon SageMaker", "QuotaName": name, "QuotaCode": code,
            "QuotaArn": f"arn:aws:servicequotas:{REGION}:{MOTO_ACCOUNT}:sagemaker/{code}", "Value": value,
            "Unit": "None", "Adjustable": adjustable, "GlobalQuota": False}


CHURN_QUOTAS = {  # what churn-model (ml.g5.xlarge and ml.g5.2xlarge, 2 instances, spot on) needs
    "ml.g5.xlarge for training job usage": "L-TEST0001",
    "ml.g5.xlarge for spot training job usage": "L-TEST0002",
    "ml.g5.2xlarge for training job usage": "L-TEST0003",
    "ml.g5.2xlarge for spot training job usage": "L-TEST0004",
}


def enough_quotas(value: float = 4) -> list[list[dict[str, Any]]]:
    """churn-model's quotas at `value`, in two pages, among unrelated ones."""
    page1 = [quota("ml.m5.large for training job usage", "L-OTHER01", 20)]
    page1 += [quota(name, code, value) for name, code in list(CHURN_QUOTAS.items())[:2]]
    page2 = [quota(name, code, value) for name, code in list(CHURN_QUOTAS.items())[2:]]
    return [page1, page2]
