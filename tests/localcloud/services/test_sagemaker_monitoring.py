"""services/sagemaker_monitoring.py: monitoring schedules, round-tripped through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import ACCOUNT, REGION, ROLE, TAGS, call

pytestmark = pytest.mark.moto


MONITOR_IMAGE = "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"


REPORTS = {"S3Output": {"S3Uri": "s3://b/reports", "LocalPath": "/opt/ml/processing/output"}}


def _data_quality_job_definition(sm, name: str, endpoint: str) -> None:
    sm.create_data_quality_job_definition(
        JobDefinitionName=name, RoleArn=ROLE,
        DataQualityAppSpecification={"ImageUri": MONITOR_IMAGE},
        DataQualityJobInput={"EndpointInput": {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input"}},
        DataQualityJobOutputConfig={"MonitoringOutputs": [REPORTS]},
        JobResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 20}},
    )


def test_monitoring_schedule_round_trip(client):
    sm = client("sagemaker")
    _data_quality_job_definition(sm, "churn-dq", "churn-endpoint")
    config = {
        "MonitoringJobDefinitionName": "churn-dq",
        "MonitoringType": "DataQuality",
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
    }
    # GIVEN a data quality job definition watching an endpoint
    # WHEN a schedule runs it hourly
    arn = call(sm, "CreateMonitoringSchedule", MonitoringScheduleName="churn-dq-hourly",
               MonitoringScheduleConfig=config, Tags=TAGS)["MonitoringScheduleArn"]
    # THEN the schedule is Scheduled, with its config and the endpoint of its job definition
    described = call(sm, "DescribeMonitoringSchedule", MonitoringScheduleName="churn-dq-hourly")
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:monitoring-schedule/churn-dq-hourly"
    assert described["MonitoringScheduleStatus"] == "Scheduled"
    assert described["MonitoringScheduleConfig"] == config
    assert described["MonitoringType"] == "DataQuality" and described["EndpointName"] == "churn-endpoint"
    # AND list filters by endpoint; tags work by ARN
    assert [s["MonitoringScheduleName"] for s in call(sm, "ListMonitoringSchedules", EndpointName="churn-endpoint")[
        "MonitoringScheduleSummaries"]] == ["churn-dq-hourly"]
    assert call(sm, "ListMonitoringSchedules", EndpointName="other")["MonitoringScheduleSummaries"] == []
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    # AND an update replaces the schedule expression
    daily = {**config, "ScheduleConfig": {"ScheduleExpression": "cron(0 0 ? * * *)"}}
    call(sm, "UpdateMonitoringSchedule", MonitoringScheduleName="churn-dq-hourly", MonitoringScheduleConfig=daily)
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="churn-dq-hourly")
    assert described["MonitoringScheduleConfig"] == daily
    # AND after delete it is ResourceNotFound
    call(sm, "DeleteMonitoringSchedule", MonitoringScheduleName="churn-dq-hourly")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_monitoring_schedule(MonitoringScheduleName="churn-dq-hourly")


def test_fails_when_monitoring_job_definition_does_not_exist(client):
    sm = client("sagemaker")
    # GIVEN no job definition
    # WHEN a schedule names one
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.create_monitoring_schedule(MonitoringScheduleName="orphan", MonitoringScheduleConfig={
            "MonitoringJobDefinitionName": "missing", "MonitoringType": "DataQuality",
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"}})
    # THEN no schedule was stored
    assert sm.list_monitoring_schedules()["MonitoringScheduleSummaries"] == []
