"""notebooks: governed interactive development in the environment's SageMaker Studio domain.

For each workspace member (`members:` in the spec) a user profile, plus one
shared space for the team, all in the existing domain of the environment
(`studio.domain_id` in provision.yaml) and all running as the workspace
execution role. What is governed, and where:

- idle shutdown: JupyterLab and Code Editor apps shut down after
  `notebooks.idle_timeout_minutes`; users may change the timeout in Studio
  only within 60..`max_idle_minutes` (the org guardrail), which the profiles
  carry as the idle settings' bounds;
- instance types: the default instance type of every profile and of the
  space must be in `notebooks.instance_types` (checked here, at synth), and
  the Studio policy on the execution role *denies* CreateApp, CreateSpace and
  UpdateSpace for any other type (`sagemaker:InstanceTypes`, `ForAnyValue:
  StringNotEquals`; `system` stays allowed: it is the no-compute type of
  Studio's own JupyterServer app);
- what Studio may do as the execution role: start and stop apps in the team
  space and in private spaces owned by the workspace's profiles, create,
  update and delete such private spaces; nothing in other workspaces' spaces.
  User profiles and the domain cannot be changed from Studio: an explicit
  Deny keeps them as provision wrote them;
- who may open Studio: the workspace access policy may create presigned URLs
  for user profiles tagged with this workspace (org, workspace, environment)
  and nothing else: `provision open`;
- network: in an environment with subnets, the profiles' apps use the
  environment's security groups (the domain's VPC-only mode is what removes
  direct internet access; `provision open` warns when the domain lacks it);
- storage: shared notebook snapshots go to the artifacts bucket under the
  workspace key; space volumes use the domain's KMS key (domain property).

The shared space needs an owner profile, and changing the owner replaces the
space with its volume. So the space is owned by a profile of its own
(`<...>-team-owner`), not by a member who may leave the workspace.

With `notebooks.custom_image_tag`, the workspace's ECR image with that tag is
offered as a custom JupyterLab image (push it before the apply).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment

from infra.capabilities._base import WorkspaceParts, capability
from infra.constructs._base import statement
from infra.constructs.managed_policy import ManagedPolicy
from infra.constructs.studio import (
    SPACE_APP_TYPES,
    IdleShutdown,
    NotebookSharing,
    StudioImage,
    StudioSpace,
    StudioUserProfile,
    sagemaker_arn,
)
from infra.naming import physical_name
from infra.stack_build import add_resource, ref
from infra.tagging import TAG_ENVIRONMENT, TAG_ORG, TAG_WORKSPACE
from infra.studio_names import (
    image_name,
    member_component,
    member_profile_name,
    shared_space_name,
    space_owner_profile_name,
)
from provisioner.models.resolved import WorkspaceContext

DEFAULT_IDLE_MINUTES = 60
DEFAULT_VOLUME_GB = 20
# Studio's own JupyterServer app (Studio Classic) runs on `system`, which has no compute to govern.
NO_COMPUTE_INSTANCE_TYPE = "system"
TAG_KEYS = (TAG_ORG, TAG_WORKSPACE, TAG_ENVIRONMENT)
MANAGED_BY_PROVISION = (
    "sagemaker:CreateDomain", "sagemaker:UpdateDomain", "sagemaker:DeleteDomain",
    "sagemaker:CreateUserProfile", "sagemaker:UpdateUserProfile", "sagemaker:DeleteUserProfile",
)
STUDIO_LISTS = ("sagemaker:ListApps", "sagemaker:ListSpaces", "sagemaker:ListUserProfiles", "sagemaker:ListDomains",
                "sagemaker:ListImages", "sagemaker:ListAppImageConfigs")
APP_ACTIONS = ("sagemaker:CreateApp", "sagemaker:DeleteApp")
PRIVATE_SPACE_ACTIONS = ("sagemaker:CreateSpace", "sagemaker:UpdateSpace", "sagemaker:DeleteSpace")


@dataclass(frozen=True)
class NotebookSettings:
    """The notebooks parameters of a workspace with defaults filled in, checked against the guardrails."""

    domain_id: str
    members: tuple[str, ...]
    instance_types: tuple[str, ...]
    default_instance_type: str
    idle: IdleShutdown
    volume_size_gb: int
    space_app_type: str
    image_tag: str
    share_notebooks: bool

    @classmethod
    def of(cls, ctx: WorkspaceContext) -> "NotebookSettings":
        """Read and check the settings; a ValueError means validation was bypassed (the CLI checks first)."""
        where = f"workspace {ctx.name}"
        if ctx.env.studio is None:
            raise ValueError(f"{where}: environment {ctx.environment} has no studio.domain_id for the notebooks capability")
        if not ctx.members:
            raise ValueError(f"{where}: the notebooks capability needs at least one member")
        allowed = list(ctx.guardrails.notebook_instance_types)
        instance_types = tuple(ctx.param("notebooks.instance_types") or allowed)
        default = ctx.param("notebooks.default_instance_type") or (instance_types[0] if instance_types else "")
        outside = [t for t in (*instance_types, default) if t not in allowed]
        if outside or not instance_types:
            raise ValueError(f"{where}: notebook instance types {sorted(set(outside)) or '(none)'} are not in the org "
                             f"allowlist notebook_instance_types ({', '.join(allowed) or 'empty'})")
        if default not in instance_types:
            raise ValueError(f"{where}: default notebook instance type {default} is not in notebooks.instance_types")
        cap = ctx.guardrails.max_idle_minutes
        timeout = int(ctx.param("notebooks.idle_timeout_minutes") or min(DEFAULT_IDLE_MINUTES, cap))
        if timeout > cap:
            raise ValueError(f"{where}: notebooks.idle_timeout_minutes {timeout} is above max_idle_minutes {cap}")
        space_app_type = ctx.param("notebooks.shared_space_app", "JupyterLab")
        if space_app_type not in SPACE_APP_TYPES:
            raise ValueError(f"{where}: notebooks.shared_space_app {space_app_type!r} is not one of {SPACE_APP_TYPES}")
        return cls(
            domain_id=ctx.env.studio.domain_id,
            members=tuple(ctx.members),
            instance_types=instance_types,
            default_instance_type=default,
            idle=IdleShutdown(timeout_minutes=timeout, max_minutes=cap),
            volume_size_gb=int(ctx.param("notebooks.volume_size_gb") or DEFAULT_VOLUME_GB),
            space_app_type=space_app_type,
            image_tag=str(ctx.param("notebooks.custom_image_tag") or ""),
            share_notebooks=bool(ctx.param("notebooks.share_notebooks", True)),
        )


def logical_id(email: str) -> str:
    """Terraform address part of a member's profile: stable for the same address (see studio_names)."""
    return "studio_member_" + member_component(email).replace("-", "_")


@capability("notebooks")
def build(parts: WorkspaceParts) -> None:
    settings = NotebookSettings.of(parts.ctx)
    image = _image(parts, settings)
    profiles, owner = _profiles(parts, settings, image)
    space = _team_space(parts, settings, owner)
    _studio_policy(parts, settings, image, [*profiles.values(), owner], space)
    _people_access(parts, settings.domain_id)
    _outputs_and_notes(parts, settings, image, profiles, space)


def _where(parts: WorkspaceParts) -> dict[str, str]:
    return dict(region=parts.ctx.region, account_id=parts.ctx.account_id, partition=parts.names.partition)


def _image(parts: WorkspaceParts, settings: NotebookSettings) -> StudioImage | None:
    """The workspace's ECR image offered in Studio, when the blueprint names a tag."""
    ctx = parts.ctx
    if not settings.image_tag:
        return None
    return StudioImage(parts.scope, "notebook_image", name=image_name(ctx.org, ctx.name, ctx.environment),
                       repository=parts.images, tag=settings.image_tag, role=parts.role,
                       display_name=f"{ctx.name} notebook image", **_where(parts))


def _profiles(parts: WorkspaceParts, settings: NotebookSettings,
              image: StudioImage | None) -> tuple[dict[str, StudioUserProfile], StudioUserProfile]:
    """One user profile per member, and the profile that owns the team space (SageMaker requires an owner)."""
    ctx, scope = parts.ctx, parts.scope
    sharing = NotebookSharing(parts.artifacts) if settings.share_notebooks else None
    profile_props = dict(
        domain_id=settings.domain_id, role=parts.role, idle=settings.idle, instance_type=settings.default_instance_type,
        security_group_ids=tuple(ctx.env.security_group_ids) if ctx.env.subnet_ids else (),
        sharing=sharing, image=image, volume_size_gb=settings.volume_size_gb, **_where(parts),
    )
    profiles = {
        email: StudioUserProfile(scope, logical_id(email),
                                 name=member_profile_name(ctx.org, ctx.name, ctx.environment, email), **profile_props)
        for email in settings.members
    }
    owner = StudioUserProfile(scope, "studio_space_owner",
                              name=space_owner_profile_name(ctx.org, ctx.name, ctx.environment), **profile_props)
    return profiles, owner


def _team_space(parts: WorkspaceParts, settings: NotebookSettings, owner: StudioUserProfile) -> StudioSpace:
    ctx = parts.ctx
    return StudioSpace(
        parts.scope, "studio_team_space", domain_id=settings.domain_id,
        name=shared_space_name(ctx.org, ctx.name, ctx.environment),
        owner=owner, idle=settings.idle, instance_type=settings.default_instance_type,
        app_type=settings.space_app_type, volume_size_gb=settings.volume_size_gb,
        display_name=f"{ctx.name} team", **_where(parts),
    )


def _studio_policy(parts: WorkspaceParts, settings: NotebookSettings, image: StudioImage | None,
                   profiles: list[StudioUserProfile], space: StudioSpace) -> None:
    """What Studio may do as the execution role, in managed policies attached to the role."""
    ctx, names, scope, domain = parts.ctx, parts.names, parts.scope, settings.domain_id
    # Managed policies of its own, so that the role's inline policy (10,240 characters for all inline
    # policies) does not grow with the members. Statements spill into `...-studio-2` (and on) past
    # IAM's 6,144 characters per policy; the notebooks checks cap the members so that the largest
    # statement fits one policy.
    policy = ManagedPolicy(
        scope, "studio_policy", name=physical_name(ctx.org, ctx.name, ctx.environment, "studio", "iam_policy"),
        description=f"SageMaker Studio use of provision workspace {ctx.name} ({ctx.environment})",
        part_name=lambda index: physical_name(ctx.org, ctx.name, ctx.environment, f"studio-{index}", "iam_policy"),
    )
    arn = lambda resource: sagemaker_arn(names.partition, ctx.region, ctx.account_id, resource)  # noqa: E731
    owner_arns = sorted(p.arn for p in profiles)
    allowed_types = sorted(set(settings.instance_types)) + [NO_COMPUTE_INSTANCE_TYPE]
    policy.add_to_policy(
        statement("DescribeStudioDomain", "sagemaker:DescribeDomain", arn(f"domain/{domain}")),
        # List calls support no resource-level permissions.
        statement("ListStudioResources", STUDIO_LISTS, "*"),
        statement("DescribeStudioResourcesOfTheDomain",
                  ("sagemaker:DescribeUserProfile", "sagemaker:DescribeSpace", "sagemaker:DescribeApp",
                   "sagemaker:ListTags"),
                  [arn(f"user-profile/{domain}/*"), arn(f"space/{domain}/*"), arn(f"app/{domain}/*")]),
        statement("UseTeamSpace", (*APP_ACTIONS, "sagemaker:UpdateSpace"), [space.arn, space.apps_arn]),
        statement("UseOwnPrivateSpaces", (*PRIVATE_SPACE_ACTIONS, *APP_ACTIONS),
                  [arn(f"space/{domain}/*"), arn(f"app/{domain}/*")],
                  conditions={"StringEquals": {"sagemaker:SpaceSharingType": "Private"},
                              "ArnEquals": {"sagemaker:OwnerUserProfileArn": owner_arns}}),
        statement("TagStudioResourcesOnCreate", "sagemaker:AddTags",
                  [arn(f"space/{domain}/*"), arn(f"app/{domain}/*")],
                  conditions={"StringEquals": {"sagemaker:TaggingAction": ["CreateSpace", "CreateApp"]}}),
        statement("DenyNotebookInstanceTypesOutsideAllowlist",
                  ("sagemaker:CreateApp", "sagemaker:CreateSpace", "sagemaker:UpdateSpace"), "*", effect="Deny",
                  conditions={"ForAnyValue:StringNotEquals": {"sagemaker:InstanceTypes": allowed_types}}),
        statement("DenyChangingStudioSettings", MANAGED_BY_PROVISION, "*", effect="Deny"),
    )
    if image is not None:
        image.grant_use(policy)
    for index, part_arn in enumerate(policy.arns, start=1):
        logical = "studio_policy" if index == 1 else f"studio_policy_{index}"
        add_resource(scope, IamRolePolicyAttachment, logical, role=ref(parts.role.resource, "name"),
                     policy_arn=part_arn)


def _people_access(parts: WorkspaceParts, domain: str) -> None:
    """People and CI of the workspace open Studio as the workspace's profiles, and only those."""
    ctx, names = parts.ctx, parts.names
    arn = lambda resource: sagemaker_arn(names.partition, ctx.region, ctx.account_id, resource)  # noqa: E731
    tagged = {f"aws:ResourceTag/{key}": ctx.tags[key] for key in TAG_KEYS}
    parts.access.add_to_policy(
        statement("OpenWorkspaceStudioProfiles", ("sagemaker:CreatePresignedDomainUrl", "sagemaker:DescribeUserProfile"),
                  arn(f"user-profile/{domain}/*"), conditions={"StringEquals": tagged}),
        statement("DescribeStudioDomain", "sagemaker:DescribeDomain", arn(f"domain/{domain}")),
    )


def _outputs_and_notes(parts: WorkspaceParts, settings: NotebookSettings, image: StudioImage | None,
                       profiles: dict[str, StudioUserProfile], space: StudioSpace) -> None:
    ctx, domain = parts.ctx, settings.domain_id
    parts.output("studio_domain_id", domain, "SageMaker Studio domain of the workspace's profiles and space")
    parts.output("studio_user_profiles", sorted(p.name for p in profiles.values()),
                 "Studio user profiles of the workspace members (open one with `provision open`)")
    parts.output("studio_shared_space", space.name, "The team's shared Studio space")

    parts.note(f"members open Studio with `provision open {ctx.name} --member EMAIL` "
               f"({len(profiles)} profile{'s' if len(profiles) != 1 else ''} in domain {domain})")
    if image is not None:
        parts.note(f"push {parts.names.image_repository}:{settings.image_tag} before the apply: "
                   "its Studio image version points at that tag")
    if ctx.env.subnet_ids:
        parts.note(f"Studio apps use the security groups of environment {ctx.environment}; direct internet access "
                   f"is off only if domain {domain} is VpcOnly (provision open warns otherwise)")
