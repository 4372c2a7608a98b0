"""services/sagemaker_mlflow.py: MLflow tracking servers, round-tripped through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import ACCOUNT, REGION, ROLE, TAGS, call

pytestmark = pytest.mark.moto


def test_mlflow_tracking_server_round_trip(client):
    sm = client("sagemaker")
    # GIVEN nothing
    # WHEN a tracking server is created
    arn = call(sm, "CreateMlflowTrackingServer", TrackingServerName="churn-mlflow",
               ArtifactStoreUri="s3://acme-churn-artifacts/mlflow", TrackingServerSize="Small", RoleArn=ROLE,
               AutomaticModelRegistration=False, WeeklyMaintenanceWindowStart="Sun:03:00",
               Tags=TAGS)["TrackingServerArn"]
    # THEN it is Created with the fields the provider reads
    described = call(sm, "DescribeMlflowTrackingServer", TrackingServerName="churn-mlflow")
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/churn-mlflow"
    assert described["TrackingServerStatus"] == "Created"
    assert described["ArtifactStoreUri"] == "s3://acme-churn-artifacts/mlflow"
    assert described["TrackingServerSize"] == "Small" and described["RoleArn"] == ROLE
    assert described["AutomaticModelRegistration"] is False
    assert described["WeeklyMaintenanceWindowStart"] == "Sun:03:00"
    assert described["TrackingServerUrl"].startswith("https://") and described["MlflowVersion"]
    # AND list and tags find it
    [summary] = call(sm, "ListMlflowTrackingServers")["TrackingServerSummaries"]
    assert summary["TrackingServerArn"] == arn
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    # AND an update moves it to Updated with the new size
    call(sm, "UpdateMlflowTrackingServer", TrackingServerName="churn-mlflow", TrackingServerSize="Medium")
    updated = sm.describe_mlflow_tracking_server(TrackingServerName="churn-mlflow")
    assert (updated["TrackingServerStatus"], updated["TrackingServerSize"]) == ("Updated", "Medium")
    # AND after delete it is ResourceNotFound, and a second delete is too (the provider treats that as gone)
    assert call(sm, "DeleteMlflowTrackingServer", TrackingServerName="churn-mlflow")["TrackingServerArn"] == arn
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_mlflow_tracking_server(TrackingServerName="churn-mlflow")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.delete_mlflow_tracking_server(TrackingServerName="churn-mlflow")
