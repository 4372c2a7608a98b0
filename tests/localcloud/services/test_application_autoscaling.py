"""services/application_autoscaling.py: scalable target tags and deletes, through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import call

pytestmark = pytest.mark.moto


def test_scalable_target_tags_round_trip(client):
    scaling = client("application-autoscaling")
    resource = "endpoint/churn-endpoint/variant/champion"
    # GIVEN a SageMaker variant registered as a scalable target with tags
    arn = scaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1, MaxCapacity=4, Tags={"provision:workspace": "churn", "team": "growth"},
    )["ScalableTargetARN"]
    # WHEN its tags are read and changed by the target's ARN
    assert call(scaling, "ListTagsForResource", ResourceARN=arn)["Tags"] == {
        "provision:workspace": "churn", "team": "growth"}
    call(scaling, "TagResource", ResourceARN=arn, Tags={"owner": "alice@example.com"})
    call(scaling, "UntagResource", ResourceARN=arn, TagKeys=["team"])
    # THEN the target's tags follow
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"provision:workspace": "churn",
                                                                       "owner": "alice@example.com"}
    # AND re-registering (an update of capacity) keeps the ARN and its tags
    again = scaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=2, MaxCapacity=4)["ScalableTargetARN"]
    assert again == arn and scaling.list_tags_for_resource(ResourceARN=arn)["Tags"]["owner"] == "alice@example.com"
    # AND once deregistered, the ARN is ResourceNotFoundException
    scaling.deregister_scalable_target(ServiceNamespace="sagemaker", ResourceId=resource,
                                       ScalableDimension="sagemaker:variant:DesiredInstanceCount")
    with pytest.raises(scaling.exceptions.ResourceNotFoundException):
        scaling.list_tags_for_resource(ResourceARN=arn)


def test_a_scalable_target_or_policy_that_is_not_there_is_object_not_found_as_aws_answers(client):
    scaling = client("application-autoscaling")
    target = {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/churn-endpoint/variant/champion",
              "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}
    scaling.register_scalable_target(**target, MinCapacity=1, MaxCapacity=4)
    scaling.put_scaling_policy(PolicyName="invocations", PolicyType="TargetTrackingScaling", **target,
                               TargetTrackingScalingPolicyConfiguration={"TargetValue": 70.0, "PredefinedMetricSpecification": {
                                   "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}})
    # GIVEN a policy and its target, each deleted once
    scaling.delete_scaling_policy(PolicyName="invocations", **target)
    scaling.deregister_scalable_target(**target)
    # WHEN each is deleted again (the provider's SDK retries a delete whose answer was lost)
    # THEN both answer ObjectNotFoundException, which the provider reads as "already gone"
    with pytest.raises(scaling.exceptions.ObjectNotFoundException):
        scaling.delete_scaling_policy(PolicyName="invocations", **target)
    with pytest.raises(scaling.exceptions.ObjectNotFoundException):
        scaling.deregister_scalable_target(**target)
