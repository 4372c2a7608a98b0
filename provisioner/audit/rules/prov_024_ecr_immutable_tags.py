from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule


@rule(
    id="PROV-024",
    title="ECR image tags are immutable",
    why="""With mutable tags, pushing `:v3` again silently changes what a registered model or a running
    endpoint refers to; immutable tags keep every deployment reproducible.""",
    fix="Set image_tag_mutability = \"IMMUTABLE\" on the aws_ecr_repository.",
    level="error",
    resource_types=("aws_ecr_repository",),
    category="ecr",
)
def check(repository, config):
    mutability = repository.values.get("image_tag_mutability") or "MUTABLE"
    if str(mutability).startswith("IMMUTABLE"):
        return PASS
    return Fail(f"image_tag_mutability is {mutability}")
