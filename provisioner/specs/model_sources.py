"""Where each endpoint variant's model comes from, and resolving `latest-approved`.

Pure Python except `lookup_latest_approved` (boto3, imported lazily). The
variants themselves (`ModelSource`, `Variant`, `variants`: one reading of the
`serving.*` parameters) are plain data in provisioner/models/serving.py, part
of the resolved workspace the CDK layer is handed.

Why `latest-approved` is resolved here and not by Terraform: the AWS provider
has no data source for model packages (cdktn-provider-aws 25.8 / AWS provider
6.69 only offers `aws_sagemaker_prebuilt_ecr_image`), and a model whose
container names the *group* ARN is not valid. So `provision synth` asks
SageMaker for the newest approved version of the workspace's group before it
synthesizes (`resolve_latest_approved`) and writes the resulting ARN into the
effective parameters, where the synth cache sees it: approving a newer version
makes the next synth produce a new model. When SageMaker cannot be asked
(offline, no credentials, another account) or nothing is approved yet, the
value stays `latest-approved`; the serving capability then prepares
everything except the models and the endpoint and says why in the synth notes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from provisioner.models.serving import EXTRA_RESOLVED, EXTRA_UNRESOLVED, LATEST, variants

if TYPE_CHECKING:
    from provisioner.models.resolved import WorkspaceContext

PACKAGE_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"model-package/(?P<group>[A-Za-z0-9-]+)/(?P<version>\d+)$"
)


def latest_fields(params: dict[str, Any]) -> list[str]:
    """Parameters whose value is `latest-approved`."""
    return sorted({v.source.field for v in variants(params) if v.source.kind == "latest"})


def with_latest_resolved(params: dict[str, Any], arn: str) -> dict[str, Any]:
    """A copy of the parameters with every `latest-approved` replaced by `arn`."""
    out = dict(params)
    if out.get("serving.model_package") == LATEST:
        out["serving.model_package"] = arn
    if out.get("serving.variants"):
        out["serving.variants"] = [
            {**item, "model_package": arn} if item.get("model_package") == LATEST else item
            for item in out["serving.variants"]
        ]
    shadow = out.get("serving.shadow_variant")
    if shadow and shadow.get("model_package") == LATEST:
        out["serving.shadow_variant"] = {**shadow, "model_package": arn}
    return out


# --- resolving with SageMaker ----------------------------------------------------

Lookup = Callable[["WorkspaceContext", str], str]


class Unresolved(Exception):
    """`latest-approved` could not be resolved; the message says why (shown in the synth notes)."""


def lookup_latest_approved(ctx: "WorkspaceContext", group: str) -> str:
    """ARN of the highest approved version in `group`, asked from SageMaker in the workspace's environment
    (the caller's credentials for AWS, the sandbox for a local cloud: provisioner.cloud.access)."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from provisioner.cloud.access import access_for
    from provisioner.errors import OperationFailed, ProvisionError

    config = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"})
    try:
        aws = access_for(ctx).aws()
    except OperationFailed as exc:  # the local cloud is not running
        raise Unresolved(f"{exc.message} ({exc.hint})") from None
    try:
        client = aws.session.client("sagemaker", region_name=ctx.region, config=config,
                                    endpoint_url=aws.local_endpoint)
        best: tuple[int, str] | None = None
        pages = client.get_paginator("list_model_packages").paginate(
            ModelPackageGroupName=group, ModelApprovalStatus="Approved", ModelPackageType="Versioned",
        )
        for page in pages:
            for item in page.get("ModelPackageSummaryList", []):
                version = int(item.get("ModelPackageVersion") or 0)
                if best is None or version > best[0]:
                    best = (version, item["ModelPackageArn"])
    except (BotoCoreError, ClientError) as exc:
        raise Unresolved(f"could not ask SageMaker ({type(exc).__name__}: {exc})") from None
    except ProvisionError as exc:  # the deploy role could not be assumed
        raise Unresolved(exc.message) from None
    if best is None:
        raise Unresolved(f"no approved model package in group {group} yet")
    arn = best[1]
    match = PACKAGE_ARN.match(arn)
    if match and match.group("account") != ctx.account_id:
        raise Unresolved(f"the AWS credentials are for account {match.group('account')}, "
                         f"but environment {ctx.environment} is account {ctx.account_id}")
    return arn


def resolve_latest_approved(ctx: "WorkspaceContext", group: str, lookup: Lookup = lookup_latest_approved) -> "WorkspaceContext":
    """The context with `latest-approved` replaced by the newest approved package ARN, when it can be found.

    Unchanged (apart from a reason in `extras`) when nothing asks for
    `latest-approved` or it cannot be resolved.
    """
    if not latest_fields(ctx.parameters):
        return ctx
    try:
        arn = lookup(ctx, group)
    except Unresolved as exc:
        return dataclasses.replace(ctx, extras={**ctx.extras, EXTRA_UNRESOLVED: str(exc)})
    return dataclasses.replace(
        ctx,
        parameters=with_latest_resolved(ctx.parameters, arn),
        extras={**ctx.extras, EXTRA_RESOLVED: arn},
    )


def resolve_all(contexts: list["WorkspaceContext"], *, offline: bool = False,
                lookup: Lookup = lookup_latest_approved) -> list["WorkspaceContext"]:
    """Resolve `latest-approved` for every serving workspace (`offline` skips asking AWS)."""
    from infra.resource_names import WorkspaceNames

    resolved = []
    for ctx in contexts:
        if not ctx.has("serving") or not latest_fields(ctx.parameters):
            resolved.append(ctx)
        elif offline:
            resolved.append(dataclasses.replace(
                ctx, extras={**ctx.extras, EXTRA_UNRESOLVED: "synthesized offline (--offline)"}))
        else:
            resolved.append(resolve_latest_approved(ctx, WorkspaceNames.of(ctx).model_package_group, lookup))
    return resolved
