"""SageMaker Studio: user profiles, a shared space and a custom image, with governed defaults.

The Studio *domain* is not built here: it is the platform team's, one per
environment (`studio.domain_id` in provision.yaml). These constructs add a
workspace's people and team space to it.

Defaults every profile and space gets (they are the point of these constructs):
- JupyterLab and Code Editor apps shut down when idle: lifecycle management
  `ENABLED`, an idle timeout, and bounds (`min`/`max`) so that a user cannot
  raise the timeout past the org's `max_idle_minutes` from the Studio UI;
- a default instance type (the capability checks it against the allowlist;
  IAM denies the others, see `infra.capabilities.notebooks`);
- the workspace execution role, never a role of the domain's choosing;
- notebook sharing either off, or into the workspace's bucket encrypted with
  the workspace's customer key (never an AWS-managed key);
- apps without idle shutdown (Studio Classic's JupyterServer, RStudio,
  Canvas) hidden from the Studio navigation;
- the environment's security groups, when it is a VPC environment.

Root access: Studio user profiles and spaces have no root-access switch
(only notebook *instances* do, and this module creates none). Apps run as the
image's default non-root user; no `custom_posix_user_config` (which could set
uid 0) is ever written. Space storage (EBS) is encrypted with the *domain's*
KMS key, which is a property of the domain: `provision open` warns when the
domain has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktn_provider_aws.sagemaker_app_image_config import (
    SagemakerAppImageConfig,
    SagemakerAppImageConfigJupyterLabImageConfig,
)
from cdktn_provider_aws.sagemaker_image import SagemakerImage
from cdktn_provider_aws.sagemaker_image_version import SagemakerImageVersion
from cdktn_provider_aws.sagemaker_space import (
    SagemakerSpace,
    SagemakerSpaceOwnershipSettings,
    SagemakerSpaceSpaceSettings,
    SagemakerSpaceSpaceSettingsCodeEditorAppSettings,
    SagemakerSpaceSpaceSettingsCodeEditorAppSettingsAppLifecycleManagement,
    SagemakerSpaceSpaceSettingsCodeEditorAppSettingsAppLifecycleManagementIdleSettings,
    SagemakerSpaceSpaceSettingsCodeEditorAppSettingsDefaultResourceSpec,
    SagemakerSpaceSpaceSettingsJupyterLabAppSettings,
    SagemakerSpaceSpaceSettingsJupyterLabAppSettingsAppLifecycleManagement,
    SagemakerSpaceSpaceSettingsJupyterLabAppSettingsAppLifecycleManagementIdleSettings,
    SagemakerSpaceSpaceSettingsJupyterLabAppSettingsDefaultResourceSpec,
    SagemakerSpaceSpaceSettingsSpaceStorageSettings,
    SagemakerSpaceSpaceSettingsSpaceStorageSettingsEbsStorageSettings,
    SagemakerSpaceSpaceSharingSettings,
)
from cdktn_provider_aws.sagemaker_user_profile import (
    SagemakerUserProfile,
    SagemakerUserProfileUserSettings,
    SagemakerUserProfileUserSettingsCodeEditorAppSettings,
    SagemakerUserProfileUserSettingsCodeEditorAppSettingsAppLifecycleManagement,
    SagemakerUserProfileUserSettingsCodeEditorAppSettingsAppLifecycleManagementIdleSettings,
    SagemakerUserProfileUserSettingsCodeEditorAppSettingsDefaultResourceSpec,
    SagemakerUserProfileUserSettingsJupyterLabAppSettings,
    SagemakerUserProfileUserSettingsJupyterLabAppSettingsAppLifecycleManagement,
    SagemakerUserProfileUserSettingsJupyterLabAppSettingsAppLifecycleManagementIdleSettings,
    SagemakerUserProfileUserSettingsJupyterLabAppSettingsCustomImage,
    SagemakerUserProfileUserSettingsJupyterLabAppSettingsDefaultResourceSpec,
    SagemakerUserProfileUserSettingsSharingSettings,
    SagemakerUserProfileUserSettingsSpaceStorageSettings,
    SagemakerUserProfileUserSettingsSpaceStorageSettingsDefaultEbsStorageSettings,
    SagemakerUserProfileUserSettingsStudioWebPortalSettings,
)

from infra.constructs._base import L2, Grantee, statement
from infra.constructs.execution_role import ExecutionRole
from infra.constructs.image_repository import ImageRepository
from infra.constructs.secure_bucket import SecureBucket
from infra.stack_build import add_resource, ref

# SageMaker's bounds for every idle timeout (IdleTimeoutInMinutes in the API model).
IDLE_MINUTES_FLOOR = 60
IDLE_MINUTES_CEILING = 525600
LIFECYCLE_ENABLED = "ENABLED"
# App types with no idle shutdown setting: hidden from the Studio navigation.
UNGOVERNED_APP_TYPES = ("JupyterServer", "RStudioServerPro", "Canvas")
SPACE_APP_TYPES = ("JupyterLab", "CodeEditor")
STUDIO_LANDING = "studio::"


@dataclass(frozen=True)
class IdleShutdown:
    """When idle JupyterLab and Code Editor apps shut down.

    timeout_minutes: the default idle timeout.
    max_minutes: the longest timeout a user may choose in Studio (the org's `max_idle_minutes`).
    min_minutes: the shortest; default 60 (SageMaker's floor).
    """

    timeout_minutes: int
    max_minutes: int
    min_minutes: int = IDLE_MINUTES_FLOOR

    def __post_init__(self) -> None:
        if not IDLE_MINUTES_FLOOR <= self.min_minutes <= self.timeout_minutes <= self.max_minutes <= IDLE_MINUTES_CEILING:
            raise ValueError(
                f"idle shutdown needs {IDLE_MINUTES_FLOOR} <= min ({self.min_minutes}) <= timeout "
                f"({self.timeout_minutes}) <= max ({self.max_minutes}) <= {IDLE_MINUTES_CEILING} minutes"
            )


@dataclass(frozen=True)
class NotebookSharing:
    """Where Studio writes shared notebook snapshots: a prefix of a bucket with a customer key."""

    bucket: SecureBucket
    prefix: str = "studio/shared-notebooks"

    def __post_init__(self) -> None:
        if self.bucket.key is None:
            raise ValueError(f"notebook sharing into bucket {self.bucket.name} needs a customer KMS key on the bucket")

    @property
    def s3_path(self) -> str:
        return f"s3://{self.bucket.name}/{self.prefix.strip('/')}/"


def sagemaker_arn(partition: str, region: str, account_id: str, resource: str) -> str:
    return f"arn:{partition}:sagemaker:{region}:{account_id}:{resource}"


class StudioImage(L2):
    """An image of the workspace's ECR repository, offered as a custom JupyterLab image in Studio.

    Creates the SageMaker image (SageMaker pulls with `role`), one image
    version pointing at `<repository>:<tag>`, and an app image config for
    JupyterLab. The tag must exist in the repository before the apply (the
    repository's tags are immutable, so a version never changes underneath).

    Props:
      name: the image and app image config name.
      repository: the workspace's ImageRepository.
      tag: the image tag to offer.
      role: the role SageMaker uses to pull the image (it needs `grant_pull`).
      display_name: shown in Studio's image picker; default: the name.
    """

    def __init__(self, scope: Any, id: str, *, name: str, repository: ImageRepository, tag: str,
                 role: ExecutionRole, region: str, account_id: str, partition: str = "aws",
                 display_name: str | None = None) -> None:
        super().__init__(scope, id)
        self.name = name
        self.image = add_resource(
            self.stack, SagemakerImage, id, image_name=name, role_arn=ref(role.resource, "arn"),
            display_name=display_name or name, description=f"{repository.name}:{tag}",
        )
        self.version = add_resource(
            self.stack, SagemakerImageVersion, f"{id}_version", image_name=ref(self.image, "image_name"),
            base_image=f"{repository.url}:{tag}",
        )
        self.app_image_config = add_resource(
            self.stack, SagemakerAppImageConfig, f"{id}_config", app_image_config_name=name,
            jupyter_lab_image_config=SagemakerAppImageConfigJupyterLabImageConfig(),
        )
        self.arn = sagemaker_arn(partition, region, account_id, f"image/{name}")
        self.versions_arn = sagemaker_arn(partition, region, account_id, f"image-version/{name}/*")
        self.config_arn = sagemaker_arn(partition, region, account_id, f"app-image-config/{name}")

    def grant_use(self, grantee: Grantee) -> None:
        """Let Studio (running as `grantee`) list and start the image."""
        grantee.add_to_policy(statement(
            "UseWorkspaceStudioImage",
            ("sagemaker:DescribeImage", "sagemaker:DescribeImageVersion", "sagemaker:ListImageVersions",
             "sagemaker:ListAliases", "sagemaker:DescribeAppImageConfig"),
            [self.arn, self.versions_arn, self.config_arn],
        ))


class StudioUserProfile(L2):
    """One person's Studio user profile in an existing domain.

    Props:
      domain_id: the existing Studio domain.
      name: the profile's physical name (from `infra.studio_names`).
      role: the workspace ExecutionRole; the profile's apps run as it.
      idle: idle shutdown of JupyterLab and Code Editor apps.
      instance_type: default instance type of JupyterLab and Code Editor apps.
      security_group_ids: security groups of the apps in a VPC-only domain;
        default none (the domain's).
      sharing: where shared notebook snapshots go; default `None` turns
        notebook sharing off.
      image: a StudioImage offered in JupyterLab; default none (SageMaker's images only).
      volume_size_gb: default and largest EBS volume of the person's private spaces; default 20.
      hidden_app_types: app types hidden from the Studio navigation; default
        the apps without idle shutdown.
    """

    def __init__(self, scope: Any, id: str, *, domain_id: str, name: str, role: ExecutionRole,
                 idle: IdleShutdown, instance_type: str, region: str, account_id: str, partition: str = "aws",
                 security_group_ids: Sequence[str] = (), sharing: NotebookSharing | None = None,
                 image: StudioImage | None = None, volume_size_gb: int = 20,
                 hidden_app_types: Sequence[str] = UNGOVERNED_APP_TYPES) -> None:
        super().__init__(scope, id)
        self.name, self.domain_id = name, domain_id
        self.arn = sagemaker_arn(partition, region, account_id, f"user-profile/{domain_id}/{name}")
        jupyter_lab = SagemakerUserProfileUserSettingsJupyterLabAppSettings(
            app_lifecycle_management=SagemakerUserProfileUserSettingsJupyterLabAppSettingsAppLifecycleManagement(
                idle_settings=SagemakerUserProfileUserSettingsJupyterLabAppSettingsAppLifecycleManagementIdleSettings(
                    lifecycle_management=LIFECYCLE_ENABLED,
                    idle_timeout_in_minutes=idle.timeout_minutes,
                    min_idle_timeout_in_minutes=idle.min_minutes,
                    max_idle_timeout_in_minutes=idle.max_minutes,
                ),
            ),
            default_resource_spec=SagemakerUserProfileUserSettingsJupyterLabAppSettingsDefaultResourceSpec(
                instance_type=instance_type),
            custom_image=[SagemakerUserProfileUserSettingsJupyterLabAppSettingsCustomImage(
                app_image_config_name=ref(image.app_image_config, "app_image_config_name"),
                image_name=ref(image.image, "image_name"),
            )] if image else None,
        )
        code_editor = SagemakerUserProfileUserSettingsCodeEditorAppSettings(
            app_lifecycle_management=SagemakerUserProfileUserSettingsCodeEditorAppSettingsAppLifecycleManagement(
                idle_settings=SagemakerUserProfileUserSettingsCodeEditorAppSettingsAppLifecycleManagementIdleSettings(
                    lifecycle_management=LIFECYCLE_ENABLED,
                    idle_timeout_in_minutes=idle.timeout_minutes,
                    min_idle_timeout_in_minutes=idle.min_minutes,
                    max_idle_timeout_in_minutes=idle.max_minutes,
                ),
            ),
            default_resource_spec=SagemakerUserProfileUserSettingsCodeEditorAppSettingsDefaultResourceSpec(
                instance_type=instance_type),
        )
        if sharing is None:
            sharing_settings = SagemakerUserProfileUserSettingsSharingSettings(notebook_output_option="Disabled")
        else:
            assert sharing.bucket.key is not None
            sharing_settings = SagemakerUserProfileUserSettingsSharingSettings(
                notebook_output_option="Allowed", s3_output_path=sharing.s3_path, s3_kms_key_id=sharing.bucket.key.arn)
        self.resource = add_resource(
            self.stack, SagemakerUserProfile, id,
            domain_id=domain_id,
            user_profile_name=name,
            user_settings=SagemakerUserProfileUserSettings(
                execution_role=ref(role.resource, "arn"),
                security_groups=list(security_group_ids) or None,
                jupyter_lab_app_settings=jupyter_lab,
                code_editor_app_settings=code_editor,
                sharing_settings=sharing_settings,
                space_storage_settings=SagemakerUserProfileUserSettingsSpaceStorageSettings(
                    default_ebs_storage_settings=SagemakerUserProfileUserSettingsSpaceStorageSettingsDefaultEbsStorageSettings(
                        default_ebs_volume_size_in_gb=volume_size_gb,
                        maximum_ebs_volume_size_in_gb=volume_size_gb,
                    ),
                ),
                studio_web_portal="ENABLED",
                default_landing_uri=STUDIO_LANDING,
                studio_web_portal_settings=SagemakerUserProfileUserSettingsStudioWebPortalSettings(
                    hidden_app_types=list(hidden_app_types)) if hidden_app_types else None,
            ),
        )


class StudioSpace(L2):
    """A space shared by everyone of the workspace, owned by one profile.

    Props:
      domain_id: the existing Studio domain.
      name: the space's physical name.
      owner: the StudioUserProfile owning the space (SageMaker requires one;
        changing it replaces the space and its storage).
      app_type: `JupyterLab` (default) or `CodeEditor`; fixed for the space's life.
      idle: idle shutdown of the space's app.
      instance_type: the space's default instance type.
      volume_size_gb: the space's EBS volume; default 20.
      display_name: shown in Studio; default the name.
    """

    def __init__(self, scope: Any, id: str, *, domain_id: str, name: str, owner: StudioUserProfile,
                 idle: IdleShutdown, instance_type: str, region: str, account_id: str, partition: str = "aws",
                 app_type: str = "JupyterLab", volume_size_gb: int = 20, display_name: str | None = None) -> None:
        super().__init__(scope, id)
        if app_type not in SPACE_APP_TYPES:
            raise ValueError(f"space app type {app_type!r} is not one of {', '.join(SPACE_APP_TYPES)}")
        self.name, self.domain_id, self.app_type = name, domain_id, app_type
        self.arn = sagemaker_arn(partition, region, account_id, f"space/{domain_id}/{name}")
        self.apps_arn = sagemaker_arn(partition, region, account_id, f"app/{domain_id}/{name}/*")
        settings: dict = {}
        if app_type == "JupyterLab":
            settings["jupyter_lab_app_settings"] = SagemakerSpaceSpaceSettingsJupyterLabAppSettings(
                app_lifecycle_management=SagemakerSpaceSpaceSettingsJupyterLabAppSettingsAppLifecycleManagement(
                    idle_settings=SagemakerSpaceSpaceSettingsJupyterLabAppSettingsAppLifecycleManagementIdleSettings(
                        idle_timeout_in_minutes=idle.timeout_minutes),
                ),
                default_resource_spec=SagemakerSpaceSpaceSettingsJupyterLabAppSettingsDefaultResourceSpec(
                    instance_type=instance_type),
            )
        else:
            settings["code_editor_app_settings"] = SagemakerSpaceSpaceSettingsCodeEditorAppSettings(
                app_lifecycle_management=SagemakerSpaceSpaceSettingsCodeEditorAppSettingsAppLifecycleManagement(
                    idle_settings=SagemakerSpaceSpaceSettingsCodeEditorAppSettingsAppLifecycleManagementIdleSettings(
                        idle_timeout_in_minutes=idle.timeout_minutes),
                ),
                default_resource_spec=SagemakerSpaceSpaceSettingsCodeEditorAppSettingsDefaultResourceSpec(
                    instance_type=instance_type),
            )
        self.resource = add_resource(
            self.stack, SagemakerSpace, id,
            domain_id=domain_id,
            space_name=name,
            space_display_name=display_name or name,
            ownership_settings=SagemakerSpaceOwnershipSettings(owner_user_profile_name=ref(owner.resource, "user_profile_name")),
            space_sharing_settings=SagemakerSpaceSpaceSharingSettings(sharing_type="Shared"),
            space_settings=SagemakerSpaceSpaceSettings(
                app_type=app_type,
                space_storage_settings=SagemakerSpaceSpaceSettingsSpaceStorageSettings(
                    ebs_storage_settings=SagemakerSpaceSpaceSettingsSpaceStorageSettingsEbsStorageSettings(
                        ebs_volume_size_in_gb=volume_size_gb),
                ),
                **settings,
            ),
        )
