"""SageMaker service quotas a workspace needs, and the account's values (Service Quotas API).

A workspace may use instance types for training (`training.instance_types`,
up to `training.max_instances` each, on spot too when `training.spot`) and
for serving (`serving.variants` and `serving.shadow_variant`: `instance_type`
and the most instances each may scale to; variants sharing a type add up).
Each (type, usage) pair has one SageMaker quota, named for example
`ml.g5.xlarge for training job usage`, `... for spot training job usage` or
`... for endpoint usage`. Quota codes differ per quota and are not hard-coded:
they are looked up by name (`list_service_quotas`, then the AWS defaults for
quotas that have no applied value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SERVICE_CODE = "sagemaker"
TRAINING = "training job usage"
SPOT_TRAINING = "spot training job usage"
ENDPOINT = "endpoint usage"

# Keys of a serving variant that bound how many instances it may run, most specific first.
VARIANT_COUNT_KEYS = ("max_instance_count", "max_instances", "max", "initial_instance_count", "instance_count")


@dataclass(frozen=True)
class QuotaNeed:
    """At least `count` instances of `instance_type` for `usage`: `source` explains the count,
    `type_source` names the parameter that chose the instance type."""

    instance_type: str
    usage: str
    count: int
    source: str
    type_source: str = ""

    @property
    def quota_name(self) -> str:
        return f"{self.instance_type} for {self.usage}"


@dataclass(frozen=True)
class Quota:
    name: str
    code: str
    value: float
    adjustable: bool
    applied: bool  # False: only the AWS default is known


def _count(value: Any, default: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return int(value)


def quota_needs(parameters: Mapping[str, Any]) -> list[QuotaNeed]:
    """The quotas a workspace's effective parameters call for, one per (instance type, usage)."""
    needs: dict[tuple[str, str], QuotaNeed] = {}

    def need(instance_type: Any, usage: str, count: int, source: str, type_source: str, add: bool = False) -> None:
        if not isinstance(instance_type, str) or not instance_type:
            return
        key = (instance_type, usage)
        if key in needs and add:
            old = needs[key]
            needs[key] = QuotaNeed(instance_type, usage, old.count + count, f"{old.source} + {source}",
                                   f"{old.type_source}, {type_source}")
        elif key not in needs or needs[key].count < count:
            needs[key] = QuotaNeed(instance_type, usage, count, source, type_source)

    type_param = "training.instance_types"
    types = parameters.get(type_param)
    if types is None and parameters.get("training.instance_type"):
        type_param = "training.instance_type"
        types = [parameters[type_param]]
    max_instances = _count(parameters.get("training.max_instances"))
    source = f"training.max_instances = {max_instances}"
    for instance_type in types or []:
        need(instance_type, TRAINING, max_instances, source, type_param)
        if parameters.get("training.spot"):
            need(instance_type, SPOT_TRAINING, max_instances, source + " (training.spot = true)", type_param)

    variants = parameters.get("serving.variants") or []
    variant_param = "serving.variants[{index}].instance_type"
    if not variants and parameters.get("serving.instance_type"):
        variant_param = "serving.instance_type"
        variants = [{"instance_type": parameters["serving.instance_type"],
                     "max_instance_count": parameters.get("serving.max_instances",
                                                          parameters.get("serving.instance_count", 1))}]
    for index, variant in enumerate(variants if isinstance(variants, list) else []):
        if not isinstance(variant, Mapping):
            continue
        counts = [_count(variant.get(key), 0) for key in VARIANT_COUNT_KEYS]
        count = max(counts + [1])
        label = variant.get("name") or variant.get("variant_name") or f"[{index}]"
        need(variant.get("instance_type"), ENDPOINT, count, f"serving.variants {label}: {count}",
             variant_param.format(index=index), add=True)
    shadow = parameters.get("serving.shadow_variant")
    if isinstance(shadow, Mapping):  # a shadow variant runs its own instances next to the production ones
        count = max([_count(shadow.get(key), 0) for key in VARIANT_COUNT_KEYS] + [1])
        need(shadow.get("instance_type"), ENDPOINT, count, f"serving.shadow_variant: {count}",
             "serving.shadow_variant.instance_type", add=True)
    return sorted(needs.values(), key=lambda n: (n.usage, n.instance_type))


def sagemaker_quotas(client: Any, names: set[str]) -> dict[str, Quota]:
    """The SageMaker quotas with these names: applied values first, AWS defaults for the rest."""
    found: dict[str, Quota] = {}
    for operation, applied in (("list_service_quotas", True), ("list_aws_default_service_quotas", False)):
        if not names - set(found):
            break
        paginator = client.get_paginator(operation)
        for page in paginator.paginate(ServiceCode=SERVICE_CODE, PaginationConfig={"PageSize": 100}):
            for item in page.get("Quotas", []):
                name = item.get("QuotaName")
                if name in names and name not in found:
                    found[name] = Quota(name, item["QuotaCode"], float(item.get("Value", 0)),
                                        bool(item.get("Adjustable", False)), applied)
            if not names - set(found):
                break
    return found


def increase_command(quota: Quota, desired: int, region: str) -> str:
    return (f"aws service-quotas request-service-quota-increase --service-code {SERVICE_CODE} "
            f"--quota-code {quota.code} --desired-value {desired} --region {region}")
