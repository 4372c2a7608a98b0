"""services/s3.py: bucket logging, tags at create and bucket-policy conditions, through boto3 and SigV4.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from .roundtrip import REGION, error_code

pytestmark = pytest.mark.moto


def test_bucket_logging_accepts_a_target_with_policy_based_delivery(client):
    s3 = client("s3")
    config = {"LocationConstraint": REGION}
    s3.create_bucket(Bucket="churn-access-logs", CreateBucketConfiguration=config)
    s3.create_bucket(Bucket="churn-data", CreateBucketConfiguration=config)
    s3.put_bucket_ownership_controls(Bucket="churn-access-logs",
                                     OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_policy(Bucket="churn-access-logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::churn-access-logs", "arn:aws:s3:::churn-access-logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    # GIVEN an access-log bucket with ACLs disabled and a deny-insecure-transport policy (Principal "*")
    # WHEN the data bucket sends its access logs there
    s3.put_bucket_logging(Bucket="churn-data", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "churn-access-logs", "TargetPrefix": "churn-data/"}})
    # THEN logging is configured, as AWS accepts it
    assert s3.get_bucket_logging(Bucket="churn-data")["LoggingEnabled"] == {
        "TargetBucket": "churn-access-logs", "TargetPrefix": "churn-data/"}


def test_fails_when_bucket_logging_target_does_not_exist(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="churn-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    # GIVEN no access-log bucket
    # WHEN logging points at it
    with pytest.raises(s3.exceptions.ClientError) as excinfo:
        s3.put_bucket_logging(Bucket="churn-data", BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "missing-logs", "TargetPrefix": "churn-data/"}})
    # THEN the call fails as AWS fails it
    assert error_code(excinfo) == "InvalidTargetBucketForLogging"


def _tls_only_policy(bucket: str, *extra: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyTlsOlderThan12", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}, *extra]})


def test_objects_go_into_a_bucket_whose_policy_denies_only_insecure_transport(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="churn-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    # GIVEN a bucket with provision's TLS-only policy (Deny on aws:SecureTransport false, on TLS older than 1.2)
    s3.put_bucket_policy(Bucket="churn-data", Policy=_tls_only_policy("churn-data"))
    # WHEN an object is put and read back
    s3.put_object(Bucket="churn-data", Key="monitoring/code/evaluate.py", Body=b"print('hi')")
    # THEN both work: the conditions do not hold, so the Deny statements do not apply (as on AWS over TLS)
    assert s3.get_object(Bucket="churn-data", Key="monitoring/code/evaluate.py")["Body"].read() == b"print('hi')"


def test_fails_when_a_bucket_policy_denies_object_writes_without_a_condition(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="churn-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    # GIVEN a TLS-only policy plus an unconditional Deny of PutObject under frozen/
    s3.put_bucket_policy(Bucket="churn-data", Policy=_tls_only_policy("churn-data", {
        "Sid": "Frozen", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::churn-data/frozen/*"}))
    # WHEN an object is put there  THEN access is denied: unconditioned statements still apply
    with pytest.raises(s3.exceptions.ClientError) as excinfo:
        s3.put_object(Bucket="churn-data", Key="frozen/a.txt", Body=b"x")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # AND elsewhere in the bucket writes work
    s3.put_object(Bucket="churn-data", Key="open/a.txt", Body=b"x")


def test_a_bucket_created_with_tags_has_them(client, extended_moto: str):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    # GIVEN a CreateBucket whose configuration carries tags, as the AWS provider sends it (boto3 cannot yet)
    body = (b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<LocationConstraint>eu-west-1</LocationConstraint><Tags><Tag><Key>provision:workspace</Key>"
            b"<Value>churn</Value></Tag><Tag><Key>team</Key><Value>research</Value></Tag></Tags>"
            b"</CreateBucketConfiguration>")
    request = AWSRequest(method="PUT", url=f"{extended_moto}/churn-data", data=body,
                         headers={"Content-Type": "application/xml"})
    SigV4Auth(Credentials("testing", "testing"), "s3", REGION).add_auth(request)
    prepared = request.prepare()
    with urllib.request.urlopen(urllib.request.Request(prepared.url, data=prepared.body, method="PUT",
                                                       headers=dict(prepared.headers)), timeout=10) as answer:
        assert answer.status == 200
    # WHEN its tags are read  THEN they are the ones it was created with
    assert client("s3").get_bucket_tagging(Bucket="churn-data")["TagSet"] == [
        {"Key": "provision:workspace", "Value": "churn"}, {"Key": "team", "Value": "research"}]
