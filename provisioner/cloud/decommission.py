"""What a destroy does around Terraform so that it finishes: before, what AWS keeps outside Terraform that blocks a
delete; after, what is still tagged with the workspace.

    plan = read_destroy_plan(plan_json)    # spaces, user profiles, endpoints it deletes; the ARNs of its state
    deleted = delete_studio_apps(aws, region, plan.studio, timeout=1200, say=print)
    settle_endpoints(aws, region, plan.endpoints, timeout=3600, say=print)
    lines = retained(aws, region, plan.studio, kept)            # what stays on purpose, in words
    left = leftovers(aws, ctx, plan.arns, removed=[...], kept=[...])  # the inventory's tag search, after

Why each step:

- Studio apps (JupyterLab, Code Editor, kernel gateways) are created by SageMaker when a person opens a space,
  never by Terraform, and AWS refuses DeleteSpace and DeleteUserProfile while one exists in them ("ResourceInUse:
  Unable to delete UserProfile [...] because App(s) are associated with it": aws/amazon-sagemaker-feedback#113).
  The provider's space and profile resources do not delete them, so a destroy of a used notebook workspace would
  fail half-way. Deleting an app is reported to take up to 20 minutes
  (aws-cloudformation/cloudformation-coverage-roadmap#1754): the wait has progress and a timeout, and a timeout
  names the apps that blocked it before Terraform has destroyed anything.
- An endpoint in `Creating`, `Updating`, `SystemUpdating` or `RollingBack` cannot be deleted until it settles;
  the destroy waits for a settled status (InService, OutOfService, Failed).
- After the destroy, everything still tagged `provision:workspace` = the workspace (the Tagging API search the
  inventory and `status` use, provisioner/cloud/resources.py) is a leftover, except what the destroy kept on
  purpose (protected resources), KMS keys pending deletion, resources Terraform just reported deleted (the Tagging
  API lists a deleted resource for a while), and records AWS never deletes (training and processing jobs).

Nothing here prints: progress goes to `say`. Waiting takes `clock` and `sleep`, so tests run on a fixed clock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.errors import OperationFailed

# Reported durations, the defaults of the waits (seconds).
APPS_TIMEOUT = 20 * 60  # deleting a Studio app: up to 20 min (cloudformation-coverage-roadmap#1754)
ENDPOINTS_TIMEOUT = 60 * 60  # an endpoint update: up to an hour (terraform-provider-aws#39090 raised create to 60 min)
POLL_SECONDS = 15.0
PROGRESS_EVERY = 60.0  # say something at least this often while nothing changes

SETTLED_ENDPOINT = ("InService", "OutOfService", "Failed")
GONE_APP = ("Deleted",)
# Records AWS keeps for good (no Delete call exists): tagged with the workspace, never leftovers of a destroy.
KEPT_BY_AWS = ("sagemaker:training-job", "sagemaker:processing-job", "sagemaker:transform-job",
               "sagemaker:hyper-parameter-tuning-job", "sagemaker:pipeline-execution")


@dataclass(frozen=True)
class StudioOwner:
    """A space or user profile the destroy plan deletes: where Studio apps can live."""

    address: str
    domain_id: str
    kind: str  # "space" or "user-profile"
    name: str

    def list_filter(self) -> dict[str, str]:
        key = "SpaceNameEquals" if self.kind == "space" else "UserProfileNameEquals"
        return {"DomainIdEquals": self.domain_id, key: self.name}


@dataclass(frozen=True)
class Endpoint:
    address: str
    name: str


@dataclass(frozen=True)
class DestroyPlanFacts:
    """What the destroy reads from its plan before Terraform runs (the plan file is gone afterwards): what it
    deletes that AWS may refuse to delete, and the ARN of every resource in the state it was made against."""

    studio: list[StudioOwner] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    arns: dict[str, str] = field(default_factory=dict)  # address -> ARN
    in_aws: bool = False  # the plan touches AWS resources at all


@dataclass(frozen=True)
class App:
    domain_id: str
    owner_kind: str  # "space" or "user-profile"
    owner: str
    app_type: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.app_type} app {self.name} in {self.owner_kind} {self.owner}"

    def request(self) -> dict[str, str]:
        owner = {"SpaceName": self.owner} if self.owner_kind == "space" else {"UserProfileName": self.owner}
        return {"DomainId": self.domain_id, "AppType": self.app_type, "AppName": self.name, **owner}


def _deleted_changes(plan: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for change in plan.get("resource_changes", []):
        body = change.get("change") or {}
        if "delete" in body.get("actions", []) and body.get("before"):
            yield change


def read_destroy_plan(plan_json: Path) -> DestroyPlanFacts:
    """The spaces, user profiles and endpoints the reviewed destroy plan deletes, named as the state knows them,
    and the ARNs of the state's resources."""
    plan = json.loads(Path(plan_json).read_text())
    studio, endpoints = [], []
    for change in _deleted_changes(plan):
        before = change["change"]["before"]
        if change.get("type") == "aws_sagemaker_space" and before.get("space_name"):
            studio.append(StudioOwner(change["address"], before["domain_id"], "space", before["space_name"]))
        elif change.get("type") == "aws_sagemaker_user_profile" and before.get("user_profile_name"):
            studio.append(StudioOwner(change["address"], before["domain_id"], "user-profile",
                                      before["user_profile_name"]))
        elif change.get("type") == "aws_sagemaker_endpoint" and before.get("name"):
            endpoints.append(Endpoint(change["address"], before["name"]))
    in_aws = any(str(c.get("type", "")).startswith("aws_") for c in plan.get("resource_changes", []))
    return DestroyPlanFacts(studio, endpoints, _arns_by_address(plan), in_aws)


def _minutes(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s"


def _apps_in(sagemaker: Any, owner: StudioOwner) -> dict[App, str]:
    """App -> status, for every app of OWNER that is not Deleted."""
    found = {}
    for page in sagemaker.get_paginator("list_apps").paginate(**owner.list_filter()):
        for item in page.get("Apps", []):
            if item.get("Status") in GONE_APP:
                continue
            found[App(owner.domain_id, owner.kind, owner.name, item["AppType"], item["AppName"])] = item["Status"]
    return found


def delete_studio_apps(aws: Any, region: str, owners: list[StudioOwner], *, timeout: float = APPS_TIMEOUT,
                       say: Callable[[str], None], clock: Callable[[], float] = time.monotonic,
                       sleep: Callable[[float], None] = time.sleep, poll: float = POLL_SECONDS) -> list[App]:
    """Delete every Studio app in OWNERS and wait until each reads Deleted; returns the apps deleted.

    Raises OperationFailed naming the apps still there when TIMEOUT runs out (or when one fails to delete)."""
    from provisioner.cloud.aws import aws_errors

    if not owners:
        return []
    sagemaker = aws.client("sagemaker", region)
    with aws_errors("listing the Studio apps of the workspace's spaces and user profiles"):
        apps: dict[App, str] = {}
        for owner in owners:
            apps.update(_apps_in(sagemaker, owner))
    if not apps:
        return []
    say(f"studio apps: deleting {len(apps)} app(s) before Terraform deletes their spaces and user profiles "
        f"(AWS reports up to {_minutes(APPS_TIMEOUT)}; timeout {_minutes(timeout)}): "
        + ", ".join(app.label for app in sorted(apps, key=lambda a: a.label)))
    with aws_errors("deleting the workspace's Studio apps"):
        for app, status in sorted(apps.items(), key=lambda kv: kv[0].label):
            if status != "Deleting":
                try:
                    sagemaker.delete_app(**app.request())
                except sagemaker.exceptions.ResourceNotFound:
                    pass  # gone meanwhile
    started = clock()
    waiting = dict(apps)
    last_said, last_text = started, ""
    while True:
        with aws_errors("reading the Studio apps being deleted"):
            for app in list(waiting):
                try:
                    status = sagemaker.describe_app(**app.request()).get("Status", "")
                except sagemaker.exceptions.ResourceNotFound:
                    status = "Deleted"
                if status in GONE_APP:
                    del waiting[app]
                elif status == "Failed":
                    raise OperationFailed(
                        f"Studio {app.label} failed while being deleted; nothing was destroyed by Terraform",
                        f"delete it by hand (aws sagemaker delete-app --domain-id {app.domain_id} ...) "
                        "or ask AWS support, then run the destroy again")
                else:
                    waiting[app] = status
        elapsed = clock() - started
        if not waiting:
            say(f"studio apps: all {len(apps)} deleted after {_minutes(elapsed)}")
            return sorted(apps, key=lambda a: a.label)
        text = ", ".join(f"{app.label} {status}" for app, status in sorted(waiting.items(), key=lambda kv: kv[0].label))
        if elapsed >= timeout:
            raise OperationFailed(
                f"destroy blocked: {len(waiting)} Studio app(s) not deleted after {_minutes(elapsed)} "
                f"(timeout {_minutes(timeout)}): {text}. AWS refuses to delete a space or user profile while an "
                "app is in it; Terraform destroyed nothing",
                "run the destroy again (the apps keep deleting meanwhile), or give it longer with --wait-timeout")
        if text != last_text or clock() - last_said >= PROGRESS_EVERY:
            say(f"studio apps: {_minutes(elapsed)} of up to {_minutes(timeout)}: waiting for {text}")
            last_said, last_text = clock(), text
        sleep(poll)


def settle_endpoints(aws: Any, region: str, endpoints: list[Endpoint], *, timeout: float = ENDPOINTS_TIMEOUT,
                     say: Callable[[str], None], clock: Callable[[], float] = time.monotonic,
                     sleep: Callable[[float], None] = time.sleep, poll: float = POLL_SECONDS) -> dict[str, str]:
    """Wait until every endpoint the destroy deletes has a settled status; returns name -> status (gone: absent)."""
    from botocore.exceptions import ClientError

    from provisioner.cloud.aws import aws_errors

    if not endpoints:
        return {}
    sagemaker = aws.client("sagemaker", region)
    started = clock()
    last_text = ""
    while True:
        statuses: dict[str, str] = {}
        with aws_errors("reading the workspace's endpoints before the destroy"):
            for endpoint in endpoints:
                try:
                    statuses[endpoint.name] = sagemaker.describe_endpoint(EndpointName=endpoint.name)["EndpointStatus"]
                except ClientError as exc:
                    if "could not find endpoint" not in str(exc).lower():
                        raise
        busy = {name: status for name, status in statuses.items() if status not in SETTLED_ENDPOINT}
        elapsed = clock() - started
        if not busy:
            return statuses
        text = ", ".join(f"endpoint {name} {status}" for name, status in sorted(busy.items()))
        if elapsed >= timeout:
            raise OperationFailed(
                f"destroy blocked: {text} after {_minutes(elapsed)} (timeout {_minutes(timeout)}); AWS deletes an "
                "endpoint only once its update settles; Terraform destroyed nothing",
                "run the destroy again later, or give it longer with --wait-timeout")
        if text != last_text:
            say(f"endpoints: {_minutes(elapsed)}: waiting for {text} to settle before the destroy")
            last_text = text
        sleep(poll)


def retained(aws: Any, region: str, owners: list[StudioOwner], kept: dict[str, str]) -> list[str]:
    """What stays on purpose after the destroy, in words: Studio home folders on the domain's EFS volume (the
    domain is the org's; SageMaker leaves a deleted profile's or space's home folder on it) and the protected
    resources the destroy keeps."""
    from botocore.exceptions import ClientError

    lines = []
    sagemaker = aws.client("sagemaker", region) if owners else None
    for domain_id in sorted({o.domain_id for o in owners}):
        try:
            efs = sagemaker.describe_domain(DomainId=domain_id).get("HomeEfsFileSystemId") or "its EFS volume"
        except ClientError:
            efs = "its EFS volume"
        names = ", ".join(f"{o.kind} {o.name}" for o in owners if o.domain_id == domain_id)
        lines.append(f"Studio home folders of {names} stay on {efs} of domain {domain_id} (the org's domain, kept "
                     "with its files by its retention policy); delete them from the EFS volume if they must go")
    protected = sorted(address for address, why in kept.items() if why == "protected")
    if protected:
        lines.append(f"protected resources kept with their data: {', '.join(protected)}")
    return lines


def _arns_by_address(plan: dict[str, Any]) -> dict[str, str]:
    """Address -> ARN of every resource in the state the destroy plan was made against."""
    found: dict[str, str] = {}

    def walk(module: dict[str, Any]) -> None:
        for resource in module.get("resources", []):
            arn = (resource.get("values") or {}).get("arn")
            if arn:
                found[resource["address"].split("[", 1)[0]] = arn
        for child in module.get("child_modules", []):
            walk(child)

    walk(((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {})
    return found


@dataclass
class Leftovers:
    """What the Tagging API still finds with the workspace's tags after a destroy."""

    remaining: list[Any] = field(default_factory=list)  # LiveResource: leftovers (exit 1)
    kept: list[Any] = field(default_factory=list)  # kept on purpose by the destroy
    kept_by_aws: list[Any] = field(default_factory=list)  # records AWS never deletes
    pending_deletion: list[Any] = field(default_factory=list)  # KMS keys in their waiting period

    def to_dict(self) -> dict[str, Any]:
        return {name: [r.to_dict() for r in getattr(self, name)]
                for name in ("remaining", "kept", "kept_by_aws", "pending_deletion")}


def leftovers(aws: Any, ctx: Any, arns: dict[str, str], *, removed: Iterable[str], kept: Iterable[str]) -> Leftovers:
    """Everything still tagged with the workspace after its destroy, sorted into leftovers and what may stay.

    ARNS: address -> ARN of the state the destroy started from (DestroyPlanFacts.arns)."""
    from provisioner.cloud.aws import aws_errors
    from provisioner.cloud.resources import (
        TAG_ENVIRONMENT,
        TAG_ORG,
        TAG_WORKSPACE,
        tagged_resources,
        without_keys_pending_deletion,
    )

    # Compared without case: SageMaker writes some names in lower case in its ARNs, not always the same way.
    kept_arns = {arns[a].lower() for a in kept if a in arns}
    removed_arns = {arns[a.split("[", 1)[0]].lower() for a in removed if a.split("[", 1)[0] in arns}
    filters = {TAG_ORG: [ctx.org], TAG_WORKSPACE: [ctx.name], TAG_ENVIRONMENT: [ctx.environment]}
    with aws_errors(f"looking for what is still tagged with workspace {ctx.name} in {ctx.region}"):
        found, pending = without_keys_pending_deletion(
            aws.client("kms", ctx.region),
            tagged_resources(aws.client("resourcegroupstaggingapi", ctx.region), filters))
    result = Leftovers(pending_deletion=pending)
    for resource in found:
        if resource.arn.lower() in kept_arns:
            result.kept.append(resource)
        elif resource.type in KEPT_BY_AWS:
            result.kept_by_aws.append(resource)
        elif resource.arn.lower() not in removed_arns:
            result.remaining.append(resource)
    return result
