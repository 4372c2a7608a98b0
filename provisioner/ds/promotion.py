"""`provision models promote PROJECT VERSION --from dev --to prod`: a model version moves one step along the path.

The org config's `promotion` path (for example `[dev, prod]`) orders the
environments; a project's workspace in one environment promotes to the
project's workspace in the next one (infra/capabilities/_promotion.py builds the
read-only grants between them). Promoting:

1. checks the request against the org: both environments exist, the target is
   the *next* one on the path, the project has a workspace in each, the source
   keeps a registry and the target serves models (exit 2, every problem at once);
2. reads the version from the source registry with the source environment's
   session (its deploy role): it must be Approved (exit 3 otherwise);
3. checks that the source account lets the target account read what the
   target's endpoint will need: the model artifacts (bucket policy), the key
   they are encrypted with (key policy) and the image (repository policy),
   as AWS evaluates them: a Deny wins, conditions count (provisioner/ds/grants.py).
   Missing grants mean the source workspace was not applied with the target
   on its path (exit 1, naming both accounts);
4. copies the artifact and the image into the target workspace's bucket and
   repository (checksum and digest verified: provisioner/ds/promotion_copy.py),
   then registers a new version in the target registry with the target
   environment's session, pointing at those copies alone: prod owns what it
   serves. The source ARN, account, version, the approver the source registry
   recorded (LastModifiedBy, never metadata an uploader can write) and the
   copies' digests go into its customer metadata; `Approved` or
   `PendingManualApproval` as the org's `promotion_approval` says, always
   pending in an environment marked `production`. A second promotion of the
   same version finds the first one and copies and registers nothing;
5. writes the target spec change for review: the variant's `model_package`
   and one `model_origins` entry (the provenance the audit shows). It never
   touches a live endpoint: that changes with `provision plan` and `apply`.

The CLI records every promotion in the audit log (`.provision/audit.log`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from provisioner.runtime import clock
from provisioner.errors import InvalidInput, OperationFailed, PolicyBlocked, Problem, ProblemCollector

ARGS = "<command line>"
APPROVED = "Approved"
PENDING = "PendingManualApproval"
META_SOURCE = "provision:source-arn"
META_SOURCE_ACCOUNT = "provision:source-account"
META_SOURCE_VERSION = "provision:source-version"
META_APPROVED_BY = "provision:approved-by"
META_PROMOTED_BY = "provision:promoted-by"
META_ARTIFACT_SHA256 = "provision:artifact-sha256"
META_IMAGE_DIGEST = "provision:image-digest"


@dataclass(frozen=True)
class PromotionRequest:
    """A checked request: the source and target workspaces (resolved) and the target variant."""

    project: str
    version: int
    source: Any  # WorkspaceContext
    target: Any  # WorkspaceContext
    variant: str


@dataclass(frozen=True)
class SourceVersion:
    arn: str
    version: int
    approval: str
    approved_by: str
    containers: tuple[dict[str, str], ...]
    content_types: tuple[str, ...]
    response_types: tuple[str, ...]


@dataclass(frozen=True)
class Promotion:
    """What a promotion did (for the output and the audit log)."""

    project: str
    source_arn: str
    source_account: str
    target_arn: str
    target_account: str
    approval: str
    approved_by: str
    promoted_by: str
    registered: bool  # False when the version had been promoted before
    spec: str
    spec_changed: bool
    variant: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# -- 1. the request ---------------------------------------------------------------------------------

def check_request(org: Any, catalog: Any, project: str, version: int, source_env: str, target_env: str,
                  variant: str | None = None, source_name: str | None = None,
                  target_name: str | None = None) -> PromotionRequest:
    """The source and target workspaces of `project`, or every reason the request is wrong (exit 2)."""
    from provisioner.specs.workspaces import load_named, project_index

    config = org.config
    problems = ProblemCollector()
    for flag, env in (("--from", source_env), ("--to", target_env)):
        if env not in config.environments:
            problems.extend([org.unknown_environment(env, ARGS, flag)])
    problems.raise_if_any()
    path = config.promotion
    if not path:
        problems.add(org.path.name, "promotion", "the org has no promotion path",
                     "add one to provision.yaml, for example `promotion: [dev, prod]`")
    elif config.promotion_target(source_env) != target_env:
        problems.add(ARGS, "--to", f"{target_env!r} is not the next environment after {source_env!r} on the "
                     f"promotion path {path}", _next_hint(config, source_env))
    members = project_index(org).get(project, [])
    if not members:
        known = sorted(project_index(org))
        problems.add(ARGS, "PROJECT", f"no workspace belongs to project {project!r}",
                     f"projects: {', '.join(known) or 'none'} (a workspace's `project`, default its name)")
    problems.raise_if_any()
    names = {env: sorted(n for n, e in members if e == env) for env in (source_env, target_env)}
    for flag, env in (("--from", source_env), ("--to", target_env)):
        if not names[env]:
            problems.add(ARGS, flag, f"project {project!r} has no workspace in {env!r}",
                         f"its workspaces: {', '.join(f'{n} ({e})' for n, e in sorted(members))}")
    chosen = {}
    for flag, env, given in (("--source", source_env, source_name), ("--target", target_env, target_name)):
        if given is not None and given not in names[env]:
            problems.add(ARGS, flag, f"{given!r} is not a workspace of project {project!r} in {env!r}",
                         f"its workspaces there: {', '.join(names[env])}")
        elif given is None and len(names[env]) > 1:
            problems.add(ARGS, flag, f"project {project!r} has {len(names[env])} workspaces in {env!r}",
                         f"name one: {' or '.join(f'{flag} {n}' for n in names[env])}")
        else:
            chosen[env] = given or names[env][0]
    problems.raise_if_any()
    source = load_named(org, catalog, chosen[source_env])
    target = load_named(org, catalog, chosen[target_env])
    if not source.has("registry"):
        problems.add(_spec(source, org), "blueprint", f"{source.name} ({source.blueprint.ref}) keeps no model "
                     "registry to promote from", "use a blueprint with the registry capability")
    for capability in ("registry", "serving"):
        if not target.has(capability):
            problems.add(_spec(target, org), "blueprint", f"{target.name} ({target.blueprint.ref}) has no "
                         f"{capability} capability, so it cannot receive a promoted model",
                         "promote to a workspace whose blueprint serves models (realtime-endpoint, full-mlops)")
    problems.raise_if_any()
    variants = [v["name"] for v in target.param("serving.variants") or []]
    chosen = variant or (variants[0] if variants else "")
    if chosen not in variants:
        problems.add(ARGS, "--variant", f"{target.name} has no variant {chosen!r}", f"variants: {', '.join(variants)}")
    problems.raise_if_any()
    return PromotionRequest(project, version, source, target, chosen)


def _next_hint(config: Any, source_env: str) -> str:
    following = config.promotion_target(source_env)
    if following:
        return f"promote from {source_env} to {following}, one step at a time"
    return f"{source_env!r} promotes to no environment (promotion: {config.promotion})"


def _spec(ctx: Any, org: Any) -> str:
    from provisioner.ds.workspace import spec_display

    return spec_display(ctx, org.root)


# -- 2. the source version --------------------------------------------------------------------------

def read_source(sagemaker: Any, facts: Any, version: int) -> SourceVersion:
    """The version in the source registry; it must exist (exit 2) and be Approved (exit 3)."""
    from provisioner.cloud.aws import aws_errors, error_code
    from provisioner.ds.registry import package_arn

    arn = package_arn(facts, version)
    with aws_errors(f"reading version {version} of {facts.model_package_group} (account {facts.account_id})"):
        try:
            described = sagemaker.describe_model_package(ModelPackageName=arn)
        except Exception as exc:
            if error_code(exc) in ("ValidationException", "ResourceNotFound"):
                raise InvalidInput.single(ARGS, "VERSION", f"model group {facts.model_package_group} has no version "
                                          f"{version}", f"see the versions: provision models list {facts.name}") from None
            raise
    approval = described.get("ModelApprovalStatus", "")
    if approval != APPROVED:
        raise PolicyBlocked(f"version {version} of {facts.model_package_group} is {approval or 'not approved'}: only "
                            "approved versions are promoted",
                            f"review it, then: provision models approve {facts.name} {version}")
    spec = described.get("InferenceSpecification") or {}
    containers = tuple({k: c[k] for k in ("Image", "ModelDataUrl") if c.get(k)} for c in spec.get("Containers", []))
    return SourceVersion(
        arn=described["ModelPackageArn"], version=version, approval=approval, approved_by=approver(described),
        containers=containers, content_types=tuple(spec.get("SupportedContentTypes") or ("application/json",)),
        response_types=tuple(spec.get("SupportedResponseMIMETypes") or ("application/json",)),
    )


def approver(described: dict[str, Any]) -> str:
    """Who approved a version, as the registry itself recorded it: the IAM identity (or Studio user) that last
    changed the version (DescribeModelPackage's LastModifiedBy), else `unknown`.

    Never the version's CustomerMetadataProperties: whoever may register a version may write those, an
    approver's name included.
    """
    modified = described.get("LastModifiedBy") or {}
    identity = (modified.get("IamIdentity") or {}).get("Arn") or modified.get("UserProfileName")
    return identity or "unknown"


def target_approval(config: Any, target_env: str) -> str:
    """The status a promoted version starts with: pending in a production environment, whatever the org says
    (the org config refuses `approved` on such a path too: provisioner/models/org.py)."""
    if config.environments[target_env].production or config.promotion_approval != "approved":
        return PENDING
    return APPROVED


# -- 3. can the target read it? ---------------------------------------------------------------------

def check_target_can_read(aws: Any, request: PromotionRequest, source_facts: Any, version: SourceVersion) -> None:
    """The source account's resource policies must let the target account read the model (exit 1 otherwise).

    Asked with the source session. Same account: nothing to check (the target role's own policy decides).
    """
    from infra.resource_names import WorkspaceNames
    from provisioner.ds.grants import allows

    source, target = request.source, request.target
    if source.account_id == target.account_id:
        return
    names = WorkspaceNames.of(source)
    prefix = f"s3://{names.artifacts_bucket}/{names.model_artifacts_prefix}/"
    for container in version.containers:
        data = container.get("ModelDataUrl", "")
        if data and not data.startswith(prefix):
            raise OperationFailed(f"version {version.version} of {names.model_package_group} keeps its model at "
                                  f"{data}, outside {prefix}, which is all account {target.account_id} may read",
                                  f"register models trained with `provision train {source.name} --register`")
    missing = []
    objects = [_object_arn(names.partition, c["ModelDataUrl"]) for c in version.containers if c.get("ModelDataUrl")]
    repository = f"arn:{names.partition}:ecr:{source.region}:{source.account_id}:repository/{names.image_repository}"
    region = source.region
    checks = (
        ("its model artifacts (bucket policy of " + names.artifacts_bucket + ")", lambda: _bucket_policy(aws, region, names),
         "s3:GetObject", objects or [f"arn:{names.partition}:s3:::{names.artifacts_bucket}/{names.model_artifacts_prefix}/*"]),
        ("the key encrypting them (key policy of " + names.key_alias + ")", lambda: _key_policy(aws, region, names),
         "kms:Decrypt", ["*"]),
        ("its images (repository policy of " + names.image_repository + ")", lambda: _repository_policy(aws, region, names),
         "ecr:BatchGetImage", [repository]),
    )
    for what, read, action, resources in checks:
        document = read()
        if not all(allows(document, target.account_id, action, resource, partition=names.partition)
                   for resource in resources):
            missing.append(what)
    if missing:
        raise OperationFailed(
            f"account {source.account_id} ({source.name}, {source.environment}) does not let account "
            f"{target.account_id} ({target.name}, {target.environment}) read {'; '.join(missing)}",
            f"apply {source.name} with {target.environment} after {source.environment} on the org's promotion path: "
            f"provision plan {source.name}, then provision apply {source.name}")


def _bucket_policy(aws: Any, region: str, names: Any) -> dict[str, Any] | None:
    from provisioner.cloud.aws import aws_errors, error_code

    with aws_errors(f"reading the bucket policy of {names.artifacts_bucket}"):
        try:
            return json.loads(aws.client("s3", region).get_bucket_policy(Bucket=names.artifacts_bucket)["Policy"])
        except Exception as exc:
            if error_code(exc) in ("NoSuchBucketPolicy", "NoSuchBucket"):
                return None
            raise


def _key_policy(aws: Any, region: str, names: Any) -> dict[str, Any] | None:
    from provisioner.cloud.aws import aws_errors, error_code

    kms = aws.client("kms", region)
    with aws_errors(f"reading the key policy of {names.key_alias}"):
        try:
            key_id = kms.describe_key(KeyId=names.key_alias)["KeyMetadata"]["KeyId"]
        except Exception as exc:
            if error_code(exc) in ("NotFoundException",):
                return None
            raise
        return json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])


def _repository_policy(aws: Any, region: str, names: Any) -> dict[str, Any] | None:
    from provisioner.cloud.aws import aws_errors, error_code

    with aws_errors(f"reading the repository policy of {names.image_repository}"):
        try:
            reply = aws.client("ecr", region).get_repository_policy(repositoryName=names.image_repository)
        except Exception as exc:
            if error_code(exc) in ("RepositoryPolicyNotFoundException", "RepositoryNotFoundException"):
                return None
            raise
    return json.loads(reply["policyText"])


def _object_arn(partition: str, url: str) -> str:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return f"arn:{partition}:s3:::{bucket}/{key}"


# -- 4. registering in the target -------------------------------------------------------------------

def register_in_target(sagemaker: Any, facts: Any, source: SourceVersion, source_account: str, *, approval: str,
                       promoted_by: str, copy: Callable[[], list[Any]]) -> tuple[Any, bool]:
    """A version in the target registry referring only to the target's own copies of the artifact and image;
    (version, newly registered). COPY makes those copies (provisioner/ds/promotion_copy.py); it runs only when
    the version was not promoted before."""
    from provisioner.cloud.aws import aws_errors
    from provisioner.ds.registry import _version, list_versions

    for existing in list_versions(sagemaker, facts):
        with aws_errors(f"reading version {existing.version} of {facts.model_package_group}"):
            described = sagemaker.describe_model_package(ModelPackageName=existing.arn)
        if (described.get("CustomerMetadataProperties") or {}).get(META_SOURCE) == source.arn:
            return existing, False
    copies = copy()
    metadata = {
        META_SOURCE: source.arn, META_SOURCE_ACCOUNT: source_account, META_SOURCE_VERSION: str(source.version),
        META_APPROVED_BY: source.approved_by, META_PROMOTED_BY: promoted_by, "provision:workspace": facts.name,
    }
    for index, copied in enumerate(copies):
        suffix = f":{index}" if len(copies) > 1 else ""
        if copied.artifact_sha256:
            metadata[META_ARTIFACT_SHA256 + suffix] = copied.artifact_sha256
        if copied.image_digest:
            metadata[META_IMAGE_DIGEST + suffix] = copied.image_digest
    request: dict[str, Any] = dict(
        ModelPackageGroupName=facts.model_package_group,
        ModelPackageDescription=f"Promoted from {source.arn} (approved by {source.approved_by})"[:1024],
        ModelApprovalStatus=approval,
        InferenceSpecification={"Containers": [c.container() for c in copies],
                                "SupportedContentTypes": list(source.content_types),
                                "SupportedResponseMIMETypes": list(source.response_types)},
        CustomerMetadataProperties=metadata,
    )
    with aws_errors(f"registering the promoted model in {facts.model_package_group} (account {facts.account_id})"):
        reply = sagemaker.create_model_package(**request)
        if approval == APPROVED:
            # Registering as Approved needs no second step, but SageMaker records no approval note otherwise.
            sagemaker.update_model_package(ModelPackageArn=reply["ModelPackageArn"], ModelApprovalStatus=APPROVED,
                                           ApprovalDescription=f"approved in the source registry by "
                                                               f"{source.approved_by}"[:1024],
                                           CustomerMetadataProperties=metadata)
        described = sagemaker.describe_model_package(ModelPackageName=reply["ModelPackageArn"])
    return _version(described), True


# -- 5. the target spec -----------------------------------------------------------------------------

def origin_entry(target_arn: str, source: SourceVersion, promoted_by: str, when: dt.datetime | None = None) -> dict[str, str]:
    when = when or clock.now()
    return {"package": target_arn, "source": source.arn, "approved_by": source.approved_by,
            "promoted_by": promoted_by, "promoted_at": when.strftime("%Y-%m-%dT%H:%M:%SZ")}


def change_spec(org: Any, catalog: Any, request: PromotionRequest, target_arn: str, origin: dict[str, str], *,
                write: bool = True) -> tuple[Path, bool]:
    """Point the variant at the promoted version and record its origin in the target spec; (path, changed).

    Edits the text in place (comments and layout stay); the result must parse to the old spec with exactly
    those two changes and resolve against the org and blueprint, or nothing is written.
    """
    import copy

    from provisioner.ds import write_atomic
    from provisioner.specs.workspaces import parse_spec, resolve, spec_path

    target = request.target
    path = spec_path(org, target.name)
    shown = _spec(target, org)
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    current = next((v for v in _variant_list(data) if v.get("name") == request.variant), None)
    if current is None:
        raise InvalidInput.single(shown, "parameters.serving.variants", f"variant {request.variant!r} is not listed "
                                  "in the spec (it comes from the blueprint default)",
                                  "list the variants under parameters.serving.variants, then promote again")
    known = any(o.get("package") == target_arn for o in data.get("model_origins") or [])
    if current.get("model_package") == target_arn and known:
        return path, False
    new_text = _set_model_package(text, request.variant, target_arn, shown)
    if not known:
        new_text = _append_origin(new_text, origin)
    expected = copy.deepcopy(data)
    for variant in _variant_list(expected):
        if variant.get("name") == request.variant:
            variant["model_package"] = target_arn
    if not known:
        expected.setdefault("model_origins", [])
        expected["model_origins"] = list(expected["model_origins"] or []) + [origin]
    new_data = yaml.safe_load(new_text)
    if new_data != expected:  # a bug guard: the edit must change exactly these two things
        raise InvalidInput([Problem(shown, "parameters.serving.variants", "could not change the model without "
                                    "changing something else", f"set model_package of {request.variant} to "
                                    f"{target_arn} by hand, then run provision plan {target.name}")])
    resolve(parse_spec(new_data, shown), org, catalog, shown, source=path)
    if write:
        write_atomic(path, new_text)
    return path, True


def _variant_list(data: dict[str, Any]) -> list[dict[str, Any]]:
    params = data.get("parameters") or {}
    if "serving.variants" in params:
        return params["serving.variants"] or []
    return (params.get("serving") or {}).get("variants") or []


def _set_model_package(text: str, variant: str, arn: str, shown: str) -> str:
    from provisioner.ds.weights import _get, _variants_node

    sequence = _variants_node(yaml.compose(text, Loader=yaml.SafeLoader))
    assert sequence is not None  # the caller found the variant in the parsed spec
    for item in sequence.value:
        name = _get(item, "name") if isinstance(item, yaml.MappingNode) else None
        if name is None or name[1].value != variant:
            continue
        existing = _get(item, "model_package")
        if existing is not None:
            node = existing[1]
            if not isinstance(node, yaml.ScalarNode):
                raise InvalidInput.single(shown, f"parameters.serving.variants.{variant}.model_package",
                                          "is not a plain value", "make it a string, then promote again")
            return text[:node.start_mark.index] + arn + text[node.end_mark.index:]
        key, value = name
        if item.flow_style:
            at = value.end_mark.index
            return text[:at] + f", model_package: {arn}" + text[at:]
        line_end = text.find("\n", value.end_mark.index)
        line = f"{' ' * key.start_mark.column}model_package: {arn}"
        if line_end == -1:
            return text + "\n" + line
        return text[:line_end + 1] + line + "\n" + text[line_end + 1:]
    raise AssertionError(f"variant {variant} not found")  # the caller checked it exists


def _append_origin(text: str, origin: dict[str, str]) -> str:
    """One flow-style entry at the end of `model_origins` (created as the last top-level key when missing)."""
    from provisioner.ds.weights import _get

    entry = "{" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in origin.items()) + "}"
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    found = _get(root, "model_origins") if isinstance(root, yaml.MappingNode) else None
    if found is None:
        return text + ("" if text.endswith("\n") else "\n") + f"model_origins:\n  - {entry}\n"
    key, node = found
    if isinstance(node, yaml.ScalarNode):  # `model_origins:` with no value
        return text[:key.start_mark.index] + f"model_origins:\n  - {entry}" + text[node.end_mark.index:]
    if isinstance(node, yaml.SequenceNode) and node.flow_style:
        inside = text[node.start_mark.index + 1:node.end_mark.index - 1].strip()
        return (text[:node.start_mark.index] + (f"[{inside}, {entry}]" if inside else f"[{entry}]")
                + text[node.end_mark.index:])
    if isinstance(node, yaml.SequenceNode) and node.value:
        last = node.value[-1]
        end = last.end_mark.index
        line_end = end - 1 if text[end - 1:end] == "\n" else text.find("\n", end)
        line = f"{' ' * max(last.start_mark.column - 2, 0)}- {entry}"
        if line_end == -1:
            return text + "\n" + line + "\n"
        return text[:line_end + 1] + line + "\n" + text[line_end + 1:]
    raise InvalidInput.single("spec", "model_origins", "is not a list", "make it a list, then promote again")
