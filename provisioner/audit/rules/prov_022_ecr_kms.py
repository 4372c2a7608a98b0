from __future__ import annotations

from provisioner.audit.resources import dig
from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem


@rule(
    id="PROV-022",
    title="ECR repositories are encrypted with a customer key",
    why="""Training and inference images can contain code, weights and configuration; with the default
    AES256 or the AWS managed key, access to them is not tied to the workspace key.""",
    fix="Set encryption_configuration { encryption_type = \"KMS\", kms_key = <workspace key ARN> } on the aws_ecr_repository.",
    level="error",
    resource_types=("aws_ecr_repository",),
    category="ecr",
    coverage="encryption",
)
def check(repository, config):
    kind = dig(repository.values, "encryption_configuration.encryption_type")
    if kind not in ("KMS", "KMS_DSSE"):
        return Fail(f"encryption_type is {kind or 'not set (AES256)'}, not KMS")
    problem = customer_key_problem(dig(repository.values, "encryption_configuration.kms_key"), config,
                                   "encryption_configuration.kms_key")
    return Fail(problem) if problem else PASS
