"""services/kms.py: key rotation with its period, through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import call

pytestmark = pytest.mark.moto


def test_key_rotation_keeps_its_period(client):
    kms = client("kms")
    key = kms.create_key(Description="workspace key")["KeyMetadata"]["KeyId"]
    # GIVEN a key whose rotation is enabled with a 365-day period, as the provider does
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=365)
    # WHEN its rotation status is read
    status = call(kms, "GetKeyRotationStatus", KeyId=key)
    # THEN the period comes back (the provider compares it with rotation_period_in_days)
    assert (status["KeyRotationEnabled"], status["RotationPeriodInDays"], status["KeyId"]) == (True, 365, key)
    # AND a disabled rotation has no period
    kms.disable_key_rotation(KeyId=key)
    assert "RotationPeriodInDays" not in kms.get_key_rotation_status(KeyId=key)
