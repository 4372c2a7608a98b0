"""services/resourcegroupstagging.py: the tagging API's GetResources over SageMaker, through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import ACCOUNT, REGION, ROLE, TAGS, call, studio_domain

pytestmark = pytest.mark.moto


def test_tagging_api_finds_the_added_sagemaker_kinds(client):
    sm, tagging = client("sagemaker"), client("resourcegroupstaggingapi")
    domain = studio_domain(sm)
    sm.create_user_profile(DomainId=domain, UserProfileName="carol", Tags=TAGS)
    sm.create_mlflow_tracking_server(TrackingServerName="churn-mlflow", ArtifactStoreUri="s3://b/mlflow",
                                     RoleArn=ROLE, Tags=TAGS)
    # GIVEN workspace-tagged resources of the added kinds
    # WHEN the inventory asks the Resource Groups Tagging API for the workspace's resources
    found = tagging.get_resources(TagFilters=[{"Key": "provision:workspace", "Values": ["churn"]}])
    # THEN both are listed
    arns = {r["ResourceARN"] for r in found["ResourceTagMappingList"]}
    assert {f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{domain}/carol",
            f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/churn-mlflow"} <= arns


def test_tagging_api_answers_endpoint_configuration_arns_as_strings(client):
    sm, tagging = client("sagemaker"), client("resourcegroupstaggingapi")
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"})
    sm.create_endpoint_config(EndpointConfigName="churn-config", Tags=TAGS, ProductionVariants=[{
        "VariantName": "champion", "ModelName": "churn-model", "InitialInstanceCount": 1,
        "InstanceType": "ml.g4dn.xlarge"}])
    # GIVEN a tagged endpoint configuration
    # WHEN the workspace's resources are listed through the tagging API
    found = call(tagging, "GetResources", TagFilters=[{"Key": "provision:workspace", "Values": ["churn"]}])
    # THEN its ARN is the ARN, not the text of a Python tuple
    assert [r["ResourceARN"] for r in found["ResourceTagMappingList"]] == [
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint-config/churn-config"]
