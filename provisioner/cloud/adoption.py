"""`provision adopt`: a workspace takes over a resource that already exists (a POC's bucket, registry, ...).

    result = adopt(org, catalog, "pricing-poc", "registry", "pricing-models", aws=aws, write=True)

Checks, in order, each refusal one line naming the resource (InvalidInput, exit 2; nothing written):

1. the component is one a blueprint can adopt (infra/adoption.py `ADOPTABLE`) and this workspace's
   blueprint creates it;
2. the resource exists in the workspace's account and region (asked directly: HeadBucket,
   DescribeRepositories, DescribeModelPackageGroup);
3. nobody else manages it: no other workspace's `provision:workspace` tag, no other spec adopting it.

Then the spec gets the mapping (`adopted: {component: name}`), written as one appended or extended block
and checked by loading the spec back. The next `provision plan` synthesizes an `import` block for it:
Terraform takes the resource into the state and changes only tags, policies and settings; a plan that
would replace it is refused (provisioner/engine/summary.py `refuse_adoption_replacements`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from infra.adoption import ADOPTABLE
from provisioner.cloud.resources import TAG_WORKSPACE
from provisioner.errors import InvalidInput, Problem

if TYPE_CHECKING:
    from provisioner.catalog.loader import Catalog
    from provisioner.cloud.aws import Aws
    from provisioner.models.org import Org


@dataclass(frozen=True)
class Existing:
    component: str
    name: str
    arn: str
    tags: dict[str, str]
    detail: str  # what comes with it (a registry's versions)


@dataclass(frozen=True)
class Adoption:
    workspace: str
    existing: Existing
    spec: Path
    written: bool  # False: the spec already had this mapping

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "component": self.existing.component, "name": self.existing.name,
                "arn": self.existing.arn, "detail": self.existing.detail, "spec": str(self.spec),
                "written": self.written, "address": ADOPTABLE[self.existing.component].address}


def _refuse(shown: str, field: str, message: str, hint: str) -> InvalidInput:
    return InvalidInput([Problem(shown, field, message, hint)])


def find_existing(aws: "Aws", region: str, component: str, name: str, shown: str) -> Existing:
    """The resource and its tags, or InvalidInput when it does not exist in this account and region."""
    from provisioner.cloud.aws import aws_errors, error_code

    missing = _refuse(shown, "NAME", f"{ADOPTABLE[component].what} {name!r} does not exist in {region}",
                      "check the name with `provision inventory` (or the AWS console) and the workspace's environment")
    if component in ("data-bucket", "artifacts-bucket"):
        s3 = aws.client("s3", region)
        try:
            s3.head_bucket(Bucket=name)
        except Exception as exc:  # noqa: BLE001 - botocore's errors: 404/403 both mean "not ours to adopt"
            if error_code(exc) in ("404", "NoSuchBucket", "403", "NotFound", "AccessDenied"):
                raise missing from None
            raise
        with aws_errors(f"reading the tags of bucket {name}"):
            try:
                tag_set = s3.get_bucket_tagging(Bucket=name).get("TagSet", [])
            except Exception as exc:  # noqa: BLE001
                if error_code(exc) != "NoSuchTagSet":
                    raise
                tag_set = []
        return Existing(component, name, f"arn:aws:s3:::{name}", {t["Key"]: t["Value"] for t in tag_set}, "")
    if component == "image-repository":
        ecr = aws.client("ecr", region)
        try:
            repository = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) == "RepositoryNotFoundException":
                raise missing from None
            raise
        with aws_errors(f"reading the tags of repository {name}"):
            tags = ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"]).get("tags", [])
        return Existing(component, name, repository["repositoryArn"], {t["Key"]: t["Value"] for t in tags}, "")
    sagemaker = aws.client("sagemaker", region)
    try:
        group = sagemaker.describe_model_package_group(ModelPackageGroupName=name)
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) in ("ValidationException", "ResourceNotFound"):
            raise missing from None
        raise
    with aws_errors(f"reading model package group {name}"):
        tags = sagemaker.list_tags(ResourceArn=group["ModelPackageGroupArn"]).get("Tags", [])
        versions = 0
        for page in sagemaker.get_paginator("list_model_packages").paginate(ModelPackageGroupName=name):
            versions += len(page.get("ModelPackageSummaryList", []))
    return Existing(component, name, group["ModelPackageGroupArn"], {t["Key"]: t["Value"] for t in tags},
                    f"{versions} version(s), kept as they are")


def adopt(org: "Org", catalog: "Catalog", workspace: str, component: str, name: str, *, aws: "Aws",
          write: bool = True) -> Adoption:
    from provisioner.specs.workspaces import load_named, load_spec, spec_path, workspace_files

    args = "<command line>"
    if component not in ADOPTABLE:
        raise _refuse(args, "COMPONENT", f"{component!r} is not something a blueprint can adopt",
                      f"adoptable: {', '.join(ADOPTABLE)}")
    ctx = load_named(org, catalog, workspace)
    adoptable = ADOPTABLE[component]
    if adoptable.capability not in ctx.capabilities:
        raise _refuse(args, "COMPONENT", f"workspace {workspace!r} (blueprint {ctx.blueprint.ref}) creates no "
                      f"{adoptable.what}, so it cannot adopt {name!r}",
                      "adopt it into a workspace whose blueprint creates one")
    existing = find_existing(aws, ctx.region, component, name, args)
    owner = existing.tags.get(TAG_WORKSPACE)
    if owner and owner != workspace:
        raise _refuse(args, "NAME", f"{adoptable.what} {name!r} is managed by workspace {owner!r} "
                      f"(its provision:workspace tag)", f"destroy or change {owner!r} first; one resource, one workspace")
    for path in workspace_files(org):
        if path.stem == workspace:
            continue
        try:
            other = load_spec(path)
        except InvalidInput:
            continue
        if name in other.adopted.values():
            raise _refuse(args, "NAME", f"{adoptable.what} {name!r} is already adopted by workspace {other.name!r}",
                          "one resource, one workspace")
    path = spec_path(org, workspace)
    current = dict(ctx.adopted)
    if current.get(component) == name:
        return Adoption(workspace, existing, path, False)
    if component in current:
        raise _refuse(args, "COMPONENT", f"workspace {workspace!r} already adopted {current[component]!r} as its "
                      f"{component}", f"remove adopted.{component} from workspaces/{workspace}.yaml first")
    text = path.read_text(encoding="utf-8")
    new_text = with_adoption(text, component, name)
    _check_edit(org, catalog, path, text, new_text, component, name)
    if write:
        from provisioner.ds import write_atomic

        write_atomic(path, new_text)
    return Adoption(workspace, existing, path, write)


def with_adoption(text: str, component: str, name: str) -> str:
    """The spec's text with `component: name` under `adopted:` (a block appended at the end when absent)."""
    data = yaml.safe_load(text) or {}
    line = f"  {component}: {name}\n"
    if not data.get("adopted"):
        body = text if text.endswith("\n") else text + "\n"
        if "adopted" in data:  # `adopted: {}` written by hand: replace that line
            body = "".join(row for row in body.splitlines(keepends=True) if not row.startswith("adopted:"))
        return body + "# Existing resources this workspace took over (`provision adopt`): Terraform imports them.\n" \
                      "adopted:\n" + line
    rows = text.splitlines(keepends=True)
    start = next(i for i, row in enumerate(rows) if row.startswith("adopted:"))
    end = start + 1
    while end < len(rows) and (rows[end].startswith((" ", "\t")) or not rows[end].strip()):
        end += 1
    return "".join(rows[:end] + [line] + rows[end:])


def _check_edit(org: "Org", catalog: "Catalog", path: Path, before: str, after: str, component: str,
                name: str) -> None:
    """The edit changes exactly the mapping, and the spec still resolves (a bug guard: nothing half-written)."""
    from provisioner.specs.workspaces import parse_spec, resolve

    expected = yaml.safe_load(before) or {}
    expected["adopted"] = {**(expected.get("adopted") or {}), component: name}
    data = yaml.safe_load(after)
    shown = f"workspaces/{path.name}"
    if data != expected:
        raise _refuse(shown, "adopted", "could not add the mapping without changing something else",
                      f"add `adopted: {{{component}: {name}}}` to the spec by hand")
    resolve(parse_spec(data, shown), org, catalog, shown, source=path)
