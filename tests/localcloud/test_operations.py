"""provisioner/localcloud/operations.py: which operation a request to the local cloud is, and who made it."""

from __future__ import annotations

import pytest

from provisioner.localcloud.operations import REST_SIBLINGS, SIGNING_NAMES, identify

GO_PROVIDER = ("APN/1.0 HashiCorp/1.0 Terraform/1.15.5 (+https://www.terraform.io) terraform-provider-aws/dev "
               "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.36.3 ua/2.1 os/linux "
               "lang/go#1.24 md/GOOS#linux api/s3#1.79.0 exec-env/e2e.full-mlops.apply m/E,Z")
PROVISION = "Boto3/1.40.1 md/Botocore#1.40.1 ua/2.1 os/linux#6 lang/python#3.11.7 cfg/retry-mode#standard app/provision"


def signed(service: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential=test/20261207/eu-west-1/{service}/aws4_request, "
                             "SignedHeaders=host, Signature=0", **headers}


@pytest.mark.parametrize(("method", "target", "headers", "expected"), [
    ("PUT", "/churn-data", signed("s3"), "s3.CreateBucket"),
    ("PUT", "/churn-data?tagging", signed("s3"), "s3.PutBucketTagging"),
    ("PUT", "/churn-data/a/b.txt", signed("s3"), "s3.PutObject"),
    ("PUT", "/churn-data/a/b.txt", signed("s3", **{"x-amz-copy-source": "src/k"}), "s3.CopyObject"),
    ("GET", "/churn-data?list-type=2&prefix=a", signed("s3"), "s3.ListObjectsV2"),
    ("GET", "/churn-data/k?x-id=GetObject", signed("s3"), "s3.GetObject"),
    ("POST", "/churn-data?delete", signed("s3"), "s3.DeleteObjects"),
    ("HEAD", "/churn-data", signed("s3"), "s3.HeadBucket"),
    ("POST", "/", signed("sagemaker", **{"X-Amz-Target": "SageMaker.DescribePipeline"}), "sagemaker.DescribePipeline"),
    ("POST", "/", signed("tagging", **{"X-Amz-Target": "ResourceGroupsTaggingAPI_20170126.GetResources"}),
     "resourcegroupstaggingapi.GetResources"),
    ("POST", "/service/GraniteServiceVersion20100801/operation/PutMetricAlarm", signed("monitoring"),
     "cloudwatch.PutMetricAlarm"),
    ("GET", "/schedules/acme-churn-monitoring", signed("scheduler"), "scheduler.GetSchedule"),
    ("POST", "/endpoints/churn/invocations", signed("sagemaker"), "sagemaker-runtime.InvokeEndpoint"),
    ("GET", "/moto-api/", {}, "-"),
])
def test_a_request_is_named_by_its_service_and_operation(method, target, headers, expected):
    # GIVEN a request as an SDK sends it  WHEN it is identified  THEN it is named service.Operation (botocore's names)
    assert identify(method, target, headers).name == expected


def test_a_query_protocol_call_is_named_by_its_forms_action():
    # GIVEN an IAM call (a form, no target header)  WHEN identified with its form's Action  THEN that is the operation
    assert identify("POST", "/", signed("iam"), "GetRole").name == "iam.GetRole"


def test_the_caller_and_the_run_come_from_the_user_agent():
    # GIVEN the AWS provider's user agent (exec-env from AWS_EXECUTION_ENV) and provision's
    provider = identify("PUT", "/churn-data", signed("s3", **{"User-Agent": GO_PROVIDER}))
    own = identify("POST", "/", signed("sts", **{"User-Agent": PROVISION}), "GetCallerIdentity")
    other = identify("POST", "/", signed("sts", **{"User-Agent": "Boto3/1.40.1 md/Botocore#1.40.1"}), "GetCallerIdentity")
    # THEN each is told apart, with the run the provider's belongs to
    assert (provider.by, own.by, other.by) == ("provider@e2e.full-mlops.apply", "provision", "sdk")


def test_every_signing_name_maps_to_the_botocore_service_that_signs_with_it():
    import botocore.session

    session = botocore.session.get_session()
    # GIVEN the signing names whose service botocore names otherwise, and the REST siblings
    for signing, service in SIGNING_NAMES.items():
        # WHEN the service's model is read  THEN it signs with that name (a typo would misname every call)
        assert session.get_service_model(service).signing_name == signing
    for signing, siblings in REST_SIBLINGS.items():
        for sibling in siblings:
            assert session.get_service_model(sibling).signing_name == signing
