"""Fixtures for the data scientist's commands: the example org in moto's account, an "applied" workspace.

moto's account id is 123456789012; `org` moves the example org's `dev`
environment into it (prod stays in 222222222222, which these credentials are
not; `sandbox` is the local cloud, tested in tests/localcloud). `applied_churn` creates in moto what applying
churn-model would have created and what a training job needs: the execution
role (moto checks that it exists), the data and artifacts buckets and the
model package group, all with the names the stack uses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


MOTO_ACCOUNT = "123456789012"
REGION = "eu-west-1"


@pytest.fixture
def org(acme: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example org with dev in moto's account, selected through PROVISION_ORG (sandbox is the local cloud)."""
    config = acme / "provision.yaml"
    # (the shell's own credentials: the example org's deploy roles are left out, tests/promotion covers them)
    text = re.sub(r"\n    (deploy_role_arn|break_glass_role_arn): \S+", "", config.read_text())
    config.write_text(text.replace('"111111111111"', f'"{MOTO_ACCOUNT}"'))
    monkeypatch.setenv("PROVISION_ORG", str(acme))
    monkeypatch.chdir(acme)
    monkeypatch.delenv("SAGEMAKER_USER_CONFIG_OVERRIDE", raising=False)
    monkeypatch.delenv("SAGEMAKER_ADMIN_CONFIG_OVERRIDE", raising=False)
    return acme


@pytest.fixture
def run(org: Path, run):
    """`provision ARGS` in-process (tests/conftest.py), in the org whose account is moto's."""
    return run


def client(service: str) -> Any:
    import boto3

    return boto3.session.Session(region_name=REGION).client(service)


@dataclass(frozen=True)
class Applied:
    """What applying a workspace created, by the names the stack uses."""

    names: Any  # infra.resource_names.WorkspaceNames

    @property
    def image(self) -> str:
        return f"{MOTO_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{self.names.image_repository}:1"

    @property
    def data(self) -> str:
        return f"s3://{self.names.data_bucket}/train/"


def apply_in_moto(org: Path, name: str) -> Applied:
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    from infra.resource_names import WorkspaceNames

    loaded = load_org(str(org))
    names = WorkspaceNames.of(load_named(loaded, Catalog.for_org(loaded), name))
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    client("iam").create_role(RoleName=names.execution_role, AssumeRolePolicyDocument=json.dumps(trust))
    s3 = client("s3")
    for bucket in (names.data_bucket, names.artifacts_bucket):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    client("sagemaker").create_model_package_group(ModelPackageGroupName=names.model_package_group)
    return Applied(names)


@pytest.fixture
def applied_churn(org: Path, aws: Any) -> Applied:
    """churn-model (gpu-training: training + registry) as if applied, in a clean moto."""
    return apply_in_moto(org, "churn-model")
