from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import truthy

FLAGS = {"aws_s3_bucket": "force_destroy", "aws_ecr_repository": "force_delete"}


@rule(
    id="PROV-031",
    title="Buckets and image repositories are not force-destroyable",
    why="""force_destroy / force_delete let `terraform destroy` delete a bucket with all its objects or a
    repository with all its images in one step; stateful resources are protected by default.""",
    fix="Remove force_destroy / force_delete, or suppress this finding for short-lived sandbox workspaces with a reason.",
    level="warning",
    resource_types=tuple(FLAGS),
    category="lifecycle",
)
def check(resource, config):
    if truthy(resource.values.get(FLAGS[resource.type])):
        return Fail(f"{FLAGS[resource.type]} is true")
    return PASS
