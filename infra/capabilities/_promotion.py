"""Model promotion along the org's `promotion` path: read-only grants between workspaces of one project.

A workspace whose project has a workspace in the *next* environment of the
path (dev -> prod) is a promotion source; the next one is its target.
`provision models promote` registers a source version in the target registry
as a new version that refers to the same artifacts and image, so the
target's endpoint runs them with its own execution role. That role reads
across accounts, which needs both sides:

- source side (resource policies, only for target accounts other than its
  own, and only read actions): the model package group policy
  (DescribeModelPackageGroup, DescribeModelPackage, ListModelPackages,
  CreateModel, as in AWS's multi-account MLOps templates: the target can
  inspect where its models came from), the key policy (Decrypt,
  DescribeKey: the artifacts are SSE-KMS objects), the artifacts bucket
  policy (GetObject on the trained models' prefix only) and the image
  repository policy (image pull).
  `provision models promote` reads those policies before it registers
  anything, with the environment's deploy role (the workspace access policy
  of data scientists stays as it is: promotion is a release step).
- target side (identity policy of the execution role): GetObject on that
  prefix, Decrypt/DescribeKey on the source key (named by its alias, since
  its ARN is only known in the source account), and pull from the source
  repository.

Nothing grants write access across accounts, and no account outside the
promotion path is named (rules PROV-034 and PROV-035 check both).
"""

from __future__ import annotations

from infra.capabilities._base import WorkspaceParts
from infra.constructs._base import statement
from infra.constructs.customer_key import DECRYPT
from infra.constructs.image_repository import PULL
from infra.resource_names import WorkspaceNames

READ_MODELS = "s3:GetObject"


def build_promotion(parts: WorkspaceParts) -> None:
    """Grants of a promotion source and of a promotion target (a workspace may be both: dev -> test -> prod)."""
    if parts.ctx.promotes_to:
        _grant_targets(parts)
    if parts.ctx.promoted_from:
        _read_from_sources(parts)


def _grant_targets(parts: WorkspaceParts) -> None:
    ctx, names = parts.ctx, parts.names
    accounts = sorted({p.account_id for p in ctx.promotes_to if p.account_id != ctx.account_id})
    targets = ", ".join(f"{p.workspace} ({p.environment})" for p in ctx.promotes_to)
    if not accounts:
        parts.note(f"promotion: models go to {targets} in the same account; its roles' own policies grant the reads")
        return
    roots = [f"arn:{names.partition}:iam::{a}:root" for a in accounts]
    assert parts.model_group is not None  # built by the registry capability, which calls this
    parts.model_group.allow_accounts_read(roots)
    parts.key.allow_accounts_decrypt(roots)
    parts.artifacts.allow_accounts_read(names.model_artifacts_prefix, roots)
    parts.images.allow_accounts_pull(roots)
    parts.note(f"promotion: accounts {', '.join(accounts)} ({targets}) may read this workspace's trained models "
               "(registry, key, model artifacts, images); read only")


def _read_from_sources(parts: WorkspaceParts) -> None:
    """The execution role reads the trained models of every source workspace (usually one) of the project."""
    ctx = parts.ctx
    sources = [WorkspaceNames.of_peer(ctx.org, source) for source in ctx.promoted_from]
    parts.role.add_to_policy(
        statement("ReadPromotedModels", READ_MODELS,
                  [f"{n.bucket_arn(n.artifacts_bucket)}/{n.model_artifacts_prefix}/*" for n in sources]),
        statement("DecryptPromotedModels", DECRYPT, sorted({n.keys_arn for n in sources}),
                  conditions={"ForAnyValue:StringEquals": {"kms:ResourceAliases": [n.key_alias for n in sources]}}),
        statement("EcrAuthorization", "ecr:GetAuthorizationToken", "*"),
        statement("PullPromotedImages", PULL, [n.image_repository_arn for n in sources]),
    )
    where = ", ".join(f"{p.workspace} ({p.environment}, account {p.account_id})" for p in ctx.promoted_from)
    parts.note(f"promotion: serves models promoted from {where}; its execution role may read them there")
