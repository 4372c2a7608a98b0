"""`provision adopt` against a moto server: POC resources planted, taken over by a workspace's spec, and every
refusal (missing, managed elsewhere, not a thing the blueprint creates) exit 2 with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .aws_seed import IMAGE, ROLE, bucket, client, tags

pytestmark = pytest.mark.moto


def _registry_with_versions(name: str, versions: int) -> None:
    sm = client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=name)
    for _ in range(versions):
        sm.create_model_package(ModelPackageGroupName=name, ModelApprovalStatus="Approved", InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://churn-poc-data/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})


def test_adopting_a_planted_bucket_and_registry_records_them_in_the_spec(run, org: Path):
    # GIVEN a POC's bucket and its model package group with two versions, made by hand
    bucket("churn-poc-data")
    _registry_with_versions("churn-poc-models", 2)
    spec = org / "workspaces" / "churn-model.yaml"
    before = yaml.safe_load(spec.read_text())
    # WHEN churn-model adopts both
    first = run("adopt", "churn-model", "data-bucket", "churn-poc-data")
    second = run("adopt", "churn-model", "registry", "churn-poc-models", "-o", "json")
    # THEN both succeed; the registry comes with its versions
    assert first.code == 0, first.err
    assert second.code == 0, second.err
    assert second.json()["detail"] == "2 version(s), kept as they are"
    assert second.json()["address"] == "aws_sagemaker_model_package_group.models"
    # AND the spec holds exactly the mapping more, and still validates
    after = yaml.safe_load(spec.read_text())
    assert after == {**before, "adopted": {"data-bucket": "churn-poc-data", "registry": "churn-poc-models"}}
    assert run("validate", "workspaces/churn-model.yaml").code == 0
    # AND adopting the same again changes nothing
    again = run("adopt", "churn-model", "registry", "churn-poc-models")
    assert again.code == 0 and "already adopted" in again.out


def test_fails_when_the_resource_does_not_exist(run, org: Path):
    spec = org / "workspaces" / "churn-model.yaml"
    before = spec.read_text()
    # GIVEN no such bucket  WHEN it is adopted
    result = run("adopt", "churn-model", "data-bucket", "no-such-bucket")
    # THEN exit 2, one line naming it, nothing written
    assert result.code == 2
    assert len(result.error_lines) == 1 and "no-such-bucket" in result.error_lines[0]
    assert "does not exist" in result.error_lines[0]
    assert spec.read_text() == before


def test_fails_when_another_workspace_manages_the_resource(run, org: Path):
    # GIVEN fraud-detector's bucket (tagged with its workspace)
    bucket("acme-fraud-data", tags("fraud-detector"))
    spec = org / "workspaces" / "churn-model.yaml"
    before = spec.read_text()
    # WHEN churn-model adopts it
    result = run("adopt", "churn-model", "data-bucket", "acme-fraud-data")
    # THEN exit 2, one line naming the bucket and its workspace, nothing written
    assert result.code == 2
    assert len(result.error_lines) == 1
    assert "acme-fraud-data" in result.error_lines[0] and "fraud-detector" in result.error_lines[0]
    assert spec.read_text() == before


def test_fails_when_the_blueprint_creates_no_such_resource(run, org: Path):
    # GIVEN a model package group, and notebook-lab-ws, whose blueprint has no registry
    _registry_with_versions("churn-poc-models", 0)
    spec = org / "workspaces" / "notebook-lab-ws.yaml"
    before = spec.read_text()
    # WHEN notebook-lab-ws adopts it, or something no blueprint adopts
    no_registry = run("adopt", "notebook-lab-ws", "registry", "churn-poc-models")
    unknown = run("adopt", "notebook-lab-ws", "endpoint", "pricing-poc-endpoint")
    # THEN both exit 2 with one line naming it, nothing written
    assert no_registry.code == 2 and len(no_registry.error_lines) == 1
    assert "churn-poc-models" in no_registry.error_lines[0] and "creates no model package group" in no_registry.err
    assert unknown.code == 2 and len(unknown.error_lines) == 1 and "'endpoint'" in unknown.error_lines[0]
    assert spec.read_text() == before


def test_fails_when_a_spec_adopts_what_its_blueprint_does_not_create(run, org: Path):
    # GIVEN notebook-lab-ws's spec edited by hand to adopt a registry
    spec = org / "workspaces" / "notebook-lab-ws.yaml"
    spec.write_text(spec.read_text() + "adopted:\n  registry: churn-poc-models\n")
    # WHEN it is validated
    result = run("validate", "workspaces/notebook-lab-ws.yaml")
    # THEN the field is named with what is wrong (exit 2)
    assert result.code == 2
    assert "adopted.registry" in result.err and "creates no model package group" in result.err


def test_fails_when_another_spec_already_adopts_the_resource(run, org: Path):
    # GIVEN the example org's pricing-poc, which adopts the model package group pricing-poc-models
    _registry_with_versions("pricing-poc-models", 1)
    spec = org / "workspaces" / "churn-model.yaml"
    before = spec.read_text()
    # WHEN churn-model adopts it too
    result = run("adopt", "churn-model", "registry", "pricing-poc-models")
    # THEN exit 2, one line naming the resource and the workspace that has it, nothing written
    assert result.code == 2 and len(result.error_lines) == 1
    assert "pricing-poc-models" in result.error_lines[0] and "'pricing-poc'" in result.error_lines[0]
    assert spec.read_text() == before


def test_adopt_calls_only_its_documented_actions(run, org: Path, monkeypatch):
    from provisioner.cloud.aws import Aws
    from provisioner.cloud.permissions import PERMISSIONS

    from .test_permissions import recording

    seen: list[set[str]] = []  # each session's recorded IAM actions, filled as its clients call

    def new_aws(ctx=None) -> Aws:
        aws = Aws()
        seen.append(recording(aws))
        return aws

    monkeypatch.setattr("provisioner.cli.cloud.new_aws", new_aws)
    bucket("churn-poc-data")
    _registry_with_versions("churn-poc-models", 1)
    # GIVEN a bucket and a registry  WHEN both are adopted
    assert run("adopt", "churn-model", "data-bucket", "churn-poc-data").code == 0
    assert run("adopt", "churn-model", "registry", "churn-poc-models").code == 0
    # THEN every call made is among adopt's documented permissions
    calls = set().union(*seen)
    assert {"s3:ListBucket", "sagemaker:DescribeModelPackageGroup"} <= calls
    assert calls - set(PERMISSIONS["adopt"]) == set()


def test_a_serving_workspace_serves_versions_of_the_registry_it_adopted(run, org: Path):
    # GIVEN recsys-ab (prod) serving a version from a POC's registry that its spec adopts as its own
    spec = org / "workspaces" / "recsys-ab.yaml"
    text = spec.read_text().replace("model-package/acme-recsys-ab-prod-models/3", "model-package/recsys-poc-models/3")
    spec.write_text(text + "adopted:\n  registry: recsys-poc-models\n")
    # WHEN it is validated  THEN the version counts as from the workspace's registry (the adopted one)
    assert run("validate", "workspaces/recsys-ab.yaml").code == 0
    # AND without the adoption the same version is refused, naming the registry it must come from
    spec.write_text(text)
    refused = run("validate", "workspaces/recsys-ab.yaml")
    assert refused.code == 2 and "acme-recsys-ab-prod-models" in refused.err
