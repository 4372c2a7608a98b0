"""services/cloudtrail.py: the event history of create calls, looked up through boto3 as AWS answers.

Every call goes to the session's moto server with the extensions installed (conftest.py); answers checked
with `call` are checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from .roundtrip import ACCOUNT, REGION, ROLE, call, error_code

pytestmark = pytest.mark.moto


def _as_user(client, extended_moto, name: str):
    """boto3 clients acting as a new IAM user NAME of moto's account (its own access key)."""
    import boto3

    iam = client("iam")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    session = boto3.session.Session(aws_access_key_id=key["AccessKeyId"],
                                    aws_secret_access_key=key["SecretAccessKey"], region_name=REGION)
    return lambda service: session.client(service, endpoint_url=extended_moto)


def _training_job(sm, name: str) -> None:
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/t:1",
                                "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://out/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        Environment={"API_TOKEN": "not-for-the-history"},
    )


def test_create_calls_are_looked_up_by_resource_name_with_their_creator(client, extended_moto):
    # GIVEN alice creates a training job and a bucket, bob a model package group
    alice, bob = _as_user(client, extended_moto, "alice"), _as_user(client, extended_moto, "bob")
    _training_job(alice("sagemaker"), "pricing-poc-train")
    alice("s3").create_bucket(Bucket="pricing-poc-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    bob("sagemaker").create_model_package_group(ModelPackageGroupName="pricing-poc-models")
    trail = client("cloudtrail")
    # WHEN the history is looked up by each resource's name
    found = {name: call(trail, "LookupEvents",
                        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": name}])["Events"]
             for name in ("pricing-poc-train", "pricing-poc-data", "pricing-poc-models")}
    # THEN each create call is there once, with the caller's user name and the service it went to
    assert {name: [(e["EventName"], e["Username"], e["EventSource"]) for e in events]
            for name, events in found.items()} == {
        "pricing-poc-train": [("CreateTrainingJob", "alice", "sagemaker.amazonaws.com")],
        "pricing-poc-data": [("CreateBucket", "alice", "s3.amazonaws.com")],
        "pricing-poc-models": [("CreateModelPackageGroup", "bob", "sagemaker.amazonaws.com")],
    }
    [event] = found["pricing-poc-train"]
    detail = json.loads(event["CloudTrailEvent"])
    assert detail["userIdentity"] == {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
                                      "accountId": ACCOUNT, "accessKeyId": event["AccessKeyId"]}
    # AND the request's values are not in the history (a training job's environment may hold secrets)
    assert "not-for-the-history" not in event["CloudTrailEvent"]
    # AND lookups by user name find that user's calls only
    by_bob = trail.lookup_events(LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "bob"}])["Events"]
    assert [e["EventName"] for e in by_bob] == ["CreateModelPackageGroup"]


def test_a_failed_create_call_is_not_recorded(client):
    # GIVEN a bucket that exists  WHEN it is created again (AWS refuses: BucketAlreadyOwnedByYou)
    s3 = client("s3")
    s3.create_bucket(Bucket="dup", CreateBucketConfiguration={"LocationConstraint": REGION})
    with pytest.raises(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket="dup", CreateBucketConfiguration={"LocationConstraint": REGION})
    # AND an endpoint whose configuration does not exist (refused)
    with pytest.raises(Exception):
        client("sagemaker").create_endpoint(EndpointName="nowhere", EndpointConfigName="missing")
    # THEN the history holds only the one call that created something
    trail = client("cloudtrail")
    assert len(trail.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "dup"}])["Events"]) == 1
    assert trail.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "nowhere"}])["Events"] == []


def test_events_are_newest_first_and_paged_within_the_time_range(client):
    # GIVEN three groups created one after the other
    sm = client("sagemaker")
    for name in ("g1", "g2", "g3"):
        sm.create_model_package_group(ModelPackageGroupName=name)
    trail = client("cloudtrail")
    attrs = [{"AttributeKey": "EventName", "AttributeValue": "CreateModelPackageGroup"}]
    # WHEN they are looked up two at a time
    first = trail.lookup_events(LookupAttributes=attrs, MaxResults=2)
    second = trail.lookup_events(LookupAttributes=attrs, MaxResults=2, NextToken=first["NextToken"])
    # THEN the newest comes first and the second page ends the list
    names = [e["Resources"][0]["ResourceName"] for e in first["Events"] + second["Events"]]
    assert names == ["g3", "g2", "g1"] and "NextToken" not in second
    # AND a window that ended before they were created holds none of them
    past = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    assert trail.lookup_events(LookupAttributes=attrs, EndTime=past)["Events"] == []


def test_fails_when_two_lookup_attributes_are_given(client):
    # GIVEN the history  WHEN two attributes are combined (AWS allows one)
    with pytest.raises(Exception) as excinfo:
        client("cloudtrail").lookup_events(LookupAttributes=[
            {"AttributeKey": "Username", "AttributeValue": "alice"},
            {"AttributeKey": "EventName", "AttributeValue": "CreateBucket"}])
    # THEN it is refused with AWS's code
    assert error_code(excinfo) == "InvalidLookupAttributesException"
