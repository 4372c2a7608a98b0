"""Which SageMaker instance types come with local (instance store) NVMe storage.

SageMaker rejects `VolumeKmsKeyId` (training, processing) and an endpoint
config's `KmsKeyId` for instance types with local storage: those volumes are
encrypted by a hardware module on the instance instead. The IAM conditions and
the SDK defaults must therefore not *require* a volume key for them.

Over-inclusion is safe (we merely stop requiring a volume key); missing a
family would make jobs on it fail, so unknown families with the EC2 `d`
attribute ("disk") count as local storage.
"""

from __future__ import annotations

import re

# Families with instance store whose EC2 name carries no `d` attribute.
_LOCAL_WITHOUT_D = frozenset({"g5", "g6", "g6e", "gr6", "p5", "p5e", "p5en", "trn1", "trn1n", "trn2", "dl1"})
_FAMILY = re.compile(r"^ml\.([a-z0-9-]+)\.")
_PARTS = re.compile(r"^([a-z]+)(\d+)([a-z]*)")


def family(instance_type: str) -> str:
    match = _FAMILY.match(instance_type)
    return match.group(1) if match else instance_type


def has_local_storage(instance_type: str) -> bool:
    name = family(instance_type)
    if name in _LOCAL_WITHOUT_D or name.startswith("p6"):
        return True
    parts = _PARTS.match(name)
    return bool(parts and "d" in parts.group(3))


def volume_key_allowed(instance_types: list[str] | tuple[str, ...]) -> bool:
    """True when every type is EBS-backed, so a volume KMS key may be requested for all of them."""
    return bool(instance_types) and not any(has_local_storage(t) for t in instance_types)
