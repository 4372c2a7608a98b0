from __future__ import annotations

from provisioner.audit.resources import blocks, dig
from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import truthy


@rule(
    id="PROV-023",
    title="ECR repositories scan images on push",
    why="Scanning on push reports known vulnerabilities in an image before a training job or endpoint runs it.",
    fix="Set image_scanning_configuration { scan_on_push = true } on the aws_ecr_repository.",
    level="error",
    resource_types=("aws_ecr_repository",),
    category="ecr",
)
def check(repository, config):
    if truthy(dig(repository.values, "image_scanning_configuration.scan_on_push")):
        return PASS
    for registry in config.of_type("aws_ecr_registry_scanning_configuration"):
        if any(r.get("scan_frequency") in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN") for r in blocks(registry.values.get("rule"))):
            return PASS
    return Fail("image_scanning_configuration.scan_on_push is not true")
