"""services/logs.py: a log group's KMS key and deletion protection, round-tripped through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import ACCOUNT, REGION, call

pytestmark = pytest.mark.moto


def test_log_group_kms_key_and_deletion_protection_round_trip(client):
    logs = client("logs")
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    logs.create_log_group(logGroupName="churn-logs")
    # GIVEN a log group without a key
    # WHEN a key is associated and deletion protection switched on
    call(logs, "AssociateKmsKey", logGroupName="churn-logs", kmsKeyId=key)
    arn = logs.describe_log_groups(logGroupNamePrefix="churn-logs")["logGroups"][0]["logGroupArn"]
    call(logs, "PutLogGroupDeletionProtection", logGroupIdentifier=arn, deletionProtectionEnabled=True)
    # THEN describe shows both
    [group] = logs.describe_log_groups(logGroupNamePrefix="churn-logs")["logGroups"]
    assert group["kmsKeyId"] == key and group["deletionProtectionEnabled"] is True
    assert group["logGroupClass"] == "STANDARD"
    # AND the protected group refuses deletion until protection is off
    with pytest.raises(logs.exceptions.InvalidOperationException):
        logs.delete_log_group(logGroupName="churn-logs")
    logs.put_log_group_deletion_protection(logGroupIdentifier="churn-logs", deletionProtectionEnabled=False)
    # AND the key can be removed
    call(logs, "DisassociateKmsKey", logGroupName="churn-logs")
    assert "kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix="churn-logs")["logGroups"][0]
    logs.delete_log_group(logGroupName="churn-logs")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.associate_kms_key(logGroupName="churn-logs", kmsKeyId=key)
