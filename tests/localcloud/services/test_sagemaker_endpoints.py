"""services/sagemaker_endpoints.py: models and endpoints as the provider reads them back, through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import ACCOUNT, REGION, ROLE, call

pytestmark = pytest.mark.moto


def test_update_endpoint_round_trip(client):
    sm = client("sagemaker")
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"})

    def config(name: str, count: int) -> None:
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
            "VariantName": "champion", "ModelName": "churn-model", "InitialInstanceCount": count,
            "InstanceType": "ml.g4dn.xlarge", "InitialVariantWeight": 1.0}])

    config("churn-config-1", 1)
    config("churn-config-2", 3)
    sm.create_endpoint(EndpointName="churn-endpoint", EndpointConfigName="churn-config-1")
    # GIVEN an endpoint on its first configuration
    # WHEN it is moved to a new configuration
    arn = call(sm, "UpdateEndpoint", EndpointName="churn-endpoint", EndpointConfigName="churn-config-2")["EndpointArn"]
    # THEN it is in service on the new configuration and its variants follow it
    described = sm.describe_endpoint(EndpointName="churn-endpoint")
    assert described["EndpointArn"] == arn and described["EndpointStatus"] == "InService"
    assert described["EndpointConfigName"] == "churn-config-2"
    assert described["ProductionVariants"][0]["DesiredInstanceCount"] == 3
    # AND an update naming a missing configuration fails
    with pytest.raises(sm.exceptions.ClientError):
        sm.update_endpoint(EndpointName="churn-endpoint", EndpointConfigName="missing")


def test_a_model_without_vpc_config_is_described_without_one(client):
    sm = client("sagemaker")
    # GIVEN a model created without VpcConfig (every served model outside a VPC)
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"})
    # WHEN it is described  THEN it has no VpcConfig at all, as on AWS (an empty one reads as a block)
    assert "VpcConfig" not in sm.describe_model(ModelName="churn-model")


DEPLOYMENT = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 900,
                                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20}},
        "TerminationWaitInSeconds": 0, "MaximumExecutionTimeoutInSeconds": 3600},
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx-rate"}]},
}


def test_an_endpoint_keeps_its_deployment_config_through_create_and_update(client):
    sm = client("sagemaker")
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"})
    for name in ("churn-config-1", "churn-config-2"):
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
            "VariantName": "primary", "ModelName": "churn-model", "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large", "InitialVariantWeight": 1.0}])
    # GIVEN an endpoint created with a canary rollout that rolls back on an alarm
    sm.create_endpoint(EndpointName="churn-endpoint", EndpointConfigName="churn-config-1", DeploymentConfig=DEPLOYMENT)
    # WHEN it is described  THEN the rollout is there, as LastDeploymentConfig (what the provider reads)
    assert sm.describe_endpoint(EndpointName="churn-endpoint")["LastDeploymentConfig"] == DEPLOYMENT
    # AND an update with another rollout replaces it
    linear = {**DEPLOYMENT, "BlueGreenUpdatePolicy": {**DEPLOYMENT["BlueGreenUpdatePolicy"], "TrafficRoutingConfiguration": {
        "Type": "LINEAR", "WaitIntervalInSeconds": 600, "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20}}}}
    call(sm, "UpdateEndpoint", EndpointName="churn-endpoint", EndpointConfigName="churn-config-2",
         DeploymentConfig=linear)
    assert sm.describe_endpoint(EndpointName="churn-endpoint")["LastDeploymentConfig"] == linear


def test_create_model_keeps_network_isolation(client):
    sm = client("sagemaker")
    # GIVEN a model created with network isolation, as every served model is
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE, EnableNetworkIsolation=True,
                    PrimaryContainer={"ModelPackageName": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/c/1"},
                    VpcConfig={"SecurityGroupIds": ["sg-0a1b2c3d4e5f60001"], "Subnets": ["subnet-0a1b2c3d4e5f60001"]})
    # WHEN it is read back
    described = call(sm, "DescribeModel", ModelName="churn-model")
    # THEN the isolation is still on (else the provider would replace the model on every run)
    assert described["EnableNetworkIsolation"] is True
