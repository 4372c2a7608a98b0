"""services/cloudwatch_cbor.py: CloudWatch over Smithy RPC v2 CBOR, the way aws-sdk-go-v2 calls it.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from .roundtrip import REGION

pytestmark = pytest.mark.moto


def _cbor_call(endpoint: str, operation: str, **params: Any) -> tuple[int, dict[str, str], dict]:
    """One CloudWatch call the way aws-sdk-go-v2 makes it: CBOR body, RPC v2 path, SigV4; the answer decoded."""
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.parsers import RpcV2CBORParser
    from botocore.serialize import RpcV2CBORSerializer

    model = botocore.session.get_session().get_service_model("cloudwatch").operation_model(operation)
    serialized = RpcV2CBORSerializer().serialize_to_request(params, model)
    request = AWSRequest(method="POST", url=endpoint + serialized["url_path"], data=serialized["body"],
                         headers=dict(serialized["headers"]))
    SigV4Auth(Credentials("testing", "testing"), "monitoring", REGION).add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http, timeout=10) as answer:
            status, headers, body = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as failed:
        status, headers, body = failed.code, dict(failed.headers), failed.read()
    parsed = RpcV2CBORParser().parse({"body": body, "headers": headers, "status_code": status}, model.output_shape)
    return status, headers, parsed


def test_cloudwatch_alarms_and_dashboards_round_trip_over_cbor(extended_moto: str, client):
    alarm = {"AlarmName": "churn-5xx-rate", "Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors",
             "Dimensions": [{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "primary"}],
             "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 2, "Threshold": 5.0,
             "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
             "AlarmActions": ["arn:aws:sns:eu-west-1:123456789012:churn-alerts"],
             "Tags": [{"Key": "provision:workspace", "Value": "churn"}]}
    # GIVEN an alarm and a dashboard put over CBOR, as the AWS provider puts them
    status, headers, _ = _cbor_call(extended_moto, "PutMetricAlarm", **alarm)
    assert status == 200 and headers.get("smithy-protocol") == "rpc-v2-cbor"
    body = json.dumps({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2,
                                    "properties": {"markdown": "churn"}}]})
    assert _cbor_call(extended_moto, "PutDashboard", DashboardName="churn", DashboardBody=body)[0] == 200
    # WHEN they are read back over CBOR
    _, _, described = _cbor_call(extended_moto, "DescribeAlarms", AlarmNames=["churn-5xx-rate"])
    _, _, dashboard = _cbor_call(extended_moto, "GetDashboard", DashboardName="churn")
    _, _, tags = _cbor_call(extended_moto, "ListTagsForResource", ResourceARN=described["MetricAlarms"][0]["AlarmArn"])
    # THEN they are what was put, timestamps as timestamps, and boto3 (JSON) sees the same alarm
    found = described["MetricAlarms"][0]
    assert (found["AlarmName"], found["Threshold"], found["Dimensions"]) == ("churn-5xx-rate", 5.0, alarm["Dimensions"])
    assert isinstance(found["AlarmConfigurationUpdatedTimestamp"], datetime.datetime)
    assert json.loads(dashboard["DashboardBody"]) == json.loads(body)
    assert tags["Tags"] == alarm["Tags"]
    assert client("cloudwatch").describe_alarms()["MetricAlarms"][0]["AlarmName"] == "churn-5xx-rate"
    # AND deleting works over CBOR too
    assert _cbor_call(extended_moto, "DeleteAlarms", AlarmNames=["churn-5xx-rate"])[0] == 200
    assert _cbor_call(extended_moto, "DescribeAlarms")[2]["MetricAlarms"] == []


def test_fails_over_cbor_with_the_error_code_the_sdk_reads(extended_moto: str, client):
    # GIVEN no dashboard  WHEN it is read over CBOR
    status, headers, parsed = _cbor_call(extended_moto, "GetDashboard", DashboardName="missing")
    # THEN the error is CBOR with the code in __type, which the provider maps to "not found"
    assert status >= 400 and headers.get("smithy-protocol") == "rpc-v2-cbor"
    assert parsed["Error"]["Code"] == "ResourceNotFound"
