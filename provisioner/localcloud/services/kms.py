"""AWS KMS: key rotation answered with its period, as AWS answers it.

Corrects moto's own (the AWS behaviour followed: the KMS API Reference,
https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html and
API_GetKeyRotationStatus.html, which answers RotationPeriodInDays and KeyId):

- EnableKeyRotation keeps RotationPeriodInDays (365 days when the request names none, AWS's default) and
  GetKeyRotationStatus answers it, with the key's id. moto dropped it: the provider then saw
  rotation_period_in_days 0 against the configured 365 and planned an update on every run. A key whose
  rotation is off answers no period.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.kms.models import kms_backends
from moto.kms.responses import KmsResponse

from provisioner.localcloud.services._moto import Extension, Operation, corrects, graft

OPERATIONS: tuple[Operation, ...] = ()

EXTENDED: tuple[Extension, ...] = (
    Extension("kms", "EnableKeyRotation / GetKeyRotationStatus",
              "keep and answer RotationPeriodInDays (else a perpetual diff)"),
)

DEFAULT_ROTATION_DAYS = 365  # AWS's period when EnableKeyRotation names none


def _key_of(response: Any) -> Any:
    backend = kms_backends[response.current_account][response.region]
    return backend.keys[backend.get_key_id(response._get_param("KeyId"))]


class RotationResponse:
    """Grafted onto moto's KmsResponse."""

    @corrects
    def enable_key_rotation(self: Any, moto_enable: Callable[[Any], Any]) -> Any:
        result = moto_enable(self)
        _key_of(self).rotation_period_in_days = int(self._get_param("RotationPeriodInDays") or DEFAULT_ROTATION_DAYS)
        return result

    @corrects
    def get_key_rotation_status(self: Any, moto_status: Callable[[Any], str]) -> str:
        answer = json.loads(moto_status(self))
        key = _key_of(self)
        answer["KeyId"] = key.id
        if answer.get("KeyRotationEnabled"):
            answer["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", DEFAULT_ROTATION_DAYS)
        return json.dumps(answer)


def install() -> list[str]:
    graft(KmsResponse, RotationResponse)
    return []
