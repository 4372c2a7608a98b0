"""SageMaker Studio: user profiles, spaces, apps and sign-in URLs, which moto 5.2.5 does not implement.

Adds (the AWS behaviour followed: the SageMaker API Reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_<Operation>.html):

- CreateUserProfile / DescribeUserProfile / UpdateUserProfile / DeleteUserProfile / ListUserProfiles:
  aws_sagemaker_user_profile (a notebooks workspace's members). A profile needs its domain (ResourceNotFound
  otherwise); a second one of the same name is ResourceInUse; a profile that still owns a space cannot be
  deleted (ResourceInUse); after delete, reads answer ResourceNotFound, what the provider's waiters look for.
- CreateSpace / DescribeSpace / UpdateSpace / DeleteSpace / ListSpaces: aws_sagemaker_space (the shared
  JupyterLab space). A space needs its domain, and its owner must be a user profile of that domain.
- CreateApp / DescribeApp / ListApps / DeleteApp: Studio apps (JupyterLab, Code Editor, kernel gateways),
  which SageMaker creates when a person opens a space, never Terraform. An app lives in a space or a user
  profile, which must exist (ResourceNotFound). While an app that is not `Deleted` is in one, DeleteSpace and
  DeleteUserProfile answer ResourceInUse "Unable to delete UserProfile [ARN] because App(s) are associated
  with it." (AWS's words: aws/amazon-sagemaker-feedback#113; the space's message follows the same pattern).
  DeleteApp moves the app to `Deleting`; the first read after it (DescribeApp or ListApps) still answers
  `Deleting`, later reads `Deleted` (AWS takes minutes, reported up to 20:
  aws-cloudformation/cloudformation-coverage-roadmap#1754). Deleted apps stay listed with status `Deleted`,
  as AWS keeps them for a while; a deleted app's name can be used again. DeleteApp of a missing or `Deleted`
  app is ResourceNotFound; of a `Deleting` one it changes nothing.
- CreatePresignedDomainUrl: `provision open`, a member's Studio sign-in URL; the profile (and the space,
  when one is named) must exist, else ResourceNotFound, as AWS answers.

Profiles, spaces and apps are ready at once (InService); settings are answered as they were sent, so a second plan is empty.
moto names a domain's id `d-<DomainName>`: create a domain named `a1b2c3d4e5f6` to get `d-a1b2c3d4e5f6`.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.moto_api._internal import mock_random
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from provisioner.localcloud.services._moto import Extension, Operation, add_operations, graft, state
from provisioner.localcloud.services._sagemaker import Kind, Resource, listed, register_kind

OPERATIONS: tuple[Operation, ...] = (
    Operation("sagemaker", "CreateUserProfile", "aws_sagemaker_user_profile create"),
    Operation("sagemaker", "DescribeUserProfile", "aws_sagemaker_user_profile read and the create/update/delete waiters"),
    Operation("sagemaker", "UpdateUserProfile", "aws_sagemaker_user_profile update of user_settings"),
    Operation("sagemaker", "DeleteUserProfile", "aws_sagemaker_user_profile destroy"),
    Operation("sagemaker", "ListUserProfiles", "completes the kind: lists a domain's Studio members (CLI, console, audits)"),
    Operation("sagemaker", "CreateSpace", "aws_sagemaker_space create"),
    Operation("sagemaker", "DescribeSpace", "aws_sagemaker_space read and waiters"),
    Operation("sagemaker", "UpdateSpace", "aws_sagemaker_space update of space_settings / space_display_name"),
    Operation("sagemaker", "DeleteSpace", "aws_sagemaker_space destroy"),
    Operation("sagemaker", "ListSpaces", "completes the kind: lists a domain's Studio spaces"),
    Operation("sagemaker", "CreateApp", "a person opening a space: the Studio app a used notebook workspace holds"),
    Operation("sagemaker", "DescribeApp", "`provision destroy` waits until each app it deleted is Deleted"),
    Operation("sagemaker", "ListApps", "`provision destroy` finds the apps in a workspace's spaces and profiles"),
    Operation("sagemaker", "DeleteApp", "`provision destroy` deletes them: AWS refuses DeleteSpace/DeleteUserProfile "
              "while one exists"),
    Operation("sagemaker", "CreatePresignedDomainUrl",
              "`provision open`: a member's Studio sign-in URL (profile or space must exist)"),
)

EXTENDED: tuple[Extension, ...] = ()


class FakeUserProfile(Resource):
    kind = "user-profile"

    def __init__(self, backend: SageMakerModelBackend, params: dict[str, Any]) -> None:
        self.domain_id = params["DomainId"]
        self.name = params["UserProfileName"]
        super().__init__(backend, f"{self.domain_id}/{self.name}", params.get("Tags"))
        self.user_settings = params.get("UserSettings") or {}
        self.sso_identifier = params.get("SingleSignOnUserIdentifier")
        self.sso_value = params.get("SingleSignOnUserValue")
        self.home_efs_uid = str(mock_random.randint(200000, 299999))
        self.status = "InService"

    def describe(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileArn": self.arn,
            "UserProfileName": self.name,
            "HomeEfsFileSystemUid": self.home_efs_uid,
            "Status": self.status,
            "LastModifiedTime": self.last_modified_time,
            "CreationTime": self.creation_time,
            "SingleSignOnUserIdentifier": self.sso_identifier,
            "SingleSignOnUserValue": self.sso_value,
            "UserSettings": self.user_settings,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileName": self.name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }


class FakeSpace(Resource):
    kind = "space"

    def __init__(self, backend: SageMakerModelBackend, params: dict[str, Any]) -> None:
        self.domain_id = params["DomainId"]
        self.name = params["SpaceName"]
        super().__init__(backend, f"{self.domain_id}/{self.name}", params.get("Tags"))
        self.space_settings = params.get("SpaceSettings") or {}
        self.ownership_settings = params.get("OwnershipSettings")
        self.sharing_settings = params.get("SpaceSharingSettings")
        self.display_name = params.get("SpaceDisplayName")
        self.home_efs_uid = str(mock_random.randint(200000, 299999))
        self.url = f"https://{self.domain_id}.studio.{backend.region_name}.sagemaker.aws/spaces/{self.name}"
        self.status = "InService"

    @property
    def owner(self) -> str | None:
        return (self.ownership_settings or {}).get("OwnerUserProfileName")

    def describe(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "SpaceArn": self.arn,
            "SpaceName": self.name,
            "HomeEfsFileSystemUid": self.home_efs_uid,
            "Status": self.status,
            "LastModifiedTime": self.last_modified_time,
            "CreationTime": self.creation_time,
            "SpaceSettings": self.space_settings,
            "OwnershipSettings": self.ownership_settings,
            "SpaceSharingSettings": self.sharing_settings,
            "SpaceDisplayName": self.display_name,
            "Url": self.url,
        }

    def summary(self) -> dict[str, Any]:
        settings = self.space_settings
        return {
            "DomainId": self.domain_id,
            "SpaceName": self.name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "SpaceSettingsSummary": {
                key: settings[key] for key in ("AppType", "RemoteAccess", "SpaceStorageSettings") if key in settings
            },
            "SpaceSharingSettingsSummary": self.sharing_settings,
            "OwnershipSettingsSummary": self.ownership_settings,
            "SpaceDisplayName": self.display_name,
        }


class FakeApp(Resource):
    kind = "app"

    def __init__(self, backend: SageMakerModelBackend, params: dict[str, Any]) -> None:
        self.domain_id = params["DomainId"]
        self.user_profile = params.get("UserProfileName")
        self.space = params.get("SpaceName")
        self.app_type = params["AppType"]
        self.name = params["AppName"]
        owner = self.space or self.user_profile
        super().__init__(backend, f"{self.domain_id}/{owner}/{self.app_type.lower()}/{self.name}", params.get("Tags"))
        self.resource_spec = params.get("ResourceSpec") or {}
        self.status = "InService"
        self.reads_while_deleting = 0

    def read(self) -> str:
        """The status a read answers: one read sees `Deleting`, the next ones `Deleted`."""
        if self.status == "Deleting":
            if self.reads_while_deleting:
                self.status = "Deleted"
            self.reads_while_deleting += 1
        return self.status

    def describe(self) -> dict[str, Any]:
        return {
            "AppArn": self.arn,
            "AppType": self.app_type,
            "AppName": self.name,
            "DomainId": self.domain_id,
            "UserProfileName": self.user_profile,
            "SpaceName": self.space,
            "Status": self.read(),
            "CreationTime": self.creation_time,
            "LastUserActivityTimestamp": self.last_modified_time,
            "ResourceSpec": self.resource_spec,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileName": self.user_profile,
            "SpaceName": self.space,
            "AppType": self.app_type,
            "AppName": self.name,
            "Status": self.read(),
            "CreationTime": self.creation_time,
            "ResourceSpec": self.resource_spec,
        }


AppKey = tuple[str, str, str, str, str]  # (domain id, "space" or "user", space or profile name, app type, app name)


def _app_key(params: dict[str, Any]) -> AppKey:
    space, profile = params.get("SpaceName"), params.get("UserProfileName")
    if bool(space) == bool(profile):
        raise ValidationError("Exactly one of SpaceName or UserProfileName must be specified.")
    return (params["DomainId"], "space" if space else "user", space or profile, params["AppType"], params["AppName"])


def _require_domain(backend: Any, domain_id: str) -> None:
    if domain_id not in backend.domains:
        raise ResourceNotFound(f"Domain {domain_id} does not exist.")


class StudioBackend:
    """Grafted onto moto's SageMakerModelBackend: the user profiles and spaces of each account and region."""

    ext_user_profiles: dict[tuple[str, str], FakeUserProfile] = state(dict)  # (domain id, name) -> profile
    ext_spaces: dict[tuple[str, str], FakeSpace] = state(dict)  # (domain id, name) -> space
    ext_apps: dict[AppKey, FakeApp] = state(dict)

    def _refuse_while_apps(self: Any, what: str, arn: str, domain_id: str, where: str, name: str) -> None:
        if any(key[:3] == (domain_id, where, name) and app.status != "Deleted"
               for key, app in self.ext_apps.items()):
            raise ResourceInUseException(f"Unable to delete {what} [{arn}] because App(s) are associated with it.")

    def create_user_profile(self: Any, params: dict[str, Any]) -> FakeUserProfile:
        _require_domain(self, params["DomainId"])
        key = (params["DomainId"], params["UserProfileName"])
        if key in self.ext_user_profiles:
            raise ResourceInUseException(
                f"Resource Already Exists: UserProfile with name {key[1]} already exists. Choose a different name."
            )
        profile = self.ext_user_profiles[key] = FakeUserProfile(self, params)
        return profile

    def describe_user_profile(self: Any, domain_id: str, name: str) -> FakeUserProfile:
        profile = self.ext_user_profiles.get((domain_id, name))
        if profile is None:
            raise ResourceNotFound(f"User profile {name} in domain {domain_id} does not exist.")
        return profile

    def update_user_profile(self: Any, domain_id: str, name: str, user_settings: dict[str, Any] | None
                            ) -> FakeUserProfile:
        profile = self.describe_user_profile(domain_id, name)
        if user_settings:
            profile.user_settings = {**profile.user_settings, **user_settings}
        profile.touch()
        return profile

    def delete_user_profile(self: Any, domain_id: str, name: str) -> None:
        profile = self.describe_user_profile(domain_id, name)
        self._refuse_while_apps("UserProfile", profile.arn, domain_id, "user", name)
        owned = [s.name for s in self.ext_spaces.values() if s.domain_id == domain_id and s.owner == name]
        if owned:
            raise ResourceInUseException(f"User profile {name} still owns spaces: {', '.join(sorted(owned))}.")
        del self.ext_user_profiles[(domain_id, name)]

    def list_user_profiles(self: Any, domain_id: str | None, name_contains: str | None) -> list[FakeUserProfile]:
        return [p for p in self.ext_user_profiles.values()
                if (not domain_id or p.domain_id == domain_id) and (not name_contains or name_contains in p.name)]

    def create_space(self: Any, params: dict[str, Any]) -> FakeSpace:
        _require_domain(self, params["DomainId"])
        key = (params["DomainId"], params["SpaceName"])
        if key in self.ext_spaces:
            raise ResourceInUseException(
                f"Resource Already Exists: Space with name {key[1]} already exists. Choose a different name."
            )
        owner = (params.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
        if owner and (key[0], owner) not in self.ext_user_profiles:
            raise ResourceNotFound(f"User profile {owner} in domain {key[0]} does not exist.")
        space = self.ext_spaces[key] = FakeSpace(self, params)
        return space

    def describe_space(self: Any, domain_id: str, name: str) -> FakeSpace:
        space = self.ext_spaces.get((domain_id, name))
        if space is None:
            raise ResourceNotFound(f"Space {name} in domain {domain_id} does not exist.")
        return space

    def update_space(self: Any, domain_id: str, name: str, settings: dict[str, Any] | None,
                     display_name: str | None) -> FakeSpace:
        space = self.describe_space(domain_id, name)
        if settings:
            space.space_settings = {**space.space_settings, **settings}
        if display_name is not None:
            space.display_name = display_name
        space.touch()
        return space

    def delete_space(self: Any, domain_id: str, name: str) -> None:
        space = self.describe_space(domain_id, name)
        self._refuse_while_apps("Space", space.arn, domain_id, "space", name)
        del self.ext_spaces[(domain_id, name)]

    def list_spaces(self: Any, domain_id: str | None, name_contains: str | None) -> list[FakeSpace]:
        return [s for s in self.ext_spaces.values()
                if (not domain_id or s.domain_id == domain_id) and (not name_contains or name_contains in s.name)]

    def create_app(self: Any, params: dict[str, Any]) -> FakeApp:
        _require_domain(self, params["DomainId"])
        key = _app_key(params)
        if key[1] == "space":
            self.describe_space(key[0], key[2])
        else:
            self.describe_user_profile(key[0], key[2])
        existing = self.ext_apps.get(key)
        if existing is not None and existing.status != "Deleted":
            raise ResourceInUseException(f"App [{existing.arn}] already exists with status {existing.status}.")
        app = self.ext_apps[key] = FakeApp(self, params)
        return app

    def describe_app(self: Any, params: dict[str, Any]) -> FakeApp:
        app = self.ext_apps.get(_app_key(params))
        if app is None:
            raise ResourceNotFound(f"App {params['AppType']}/{params['AppName']} does not exist.")
        return app

    def delete_app(self: Any, params: dict[str, Any]) -> None:
        app = self.describe_app(params)
        if app.status == "Deleted":
            raise ResourceNotFound(f"App {app.app_type}/{app.name} does not exist.")
        if app.status != "Deleting":
            app.status, app.reads_while_deleting = "Deleting", 0
            app.touch()

    def list_apps(self: Any, domain_id: str | None, profile: str | None, space: str | None) -> list[FakeApp]:
        return [a for a in self.ext_apps.values()
                if (not domain_id or a.domain_id == domain_id) and (not profile or a.user_profile == profile)
                and (not space or a.space == space)]


class StudioResponse:
    """Grafted onto moto's SageMakerResponse: one handler per operation."""

    def create_user_profile(self: Any) -> ActionResult:
        profile = self.sagemaker_backend.create_user_profile(self._get_params())
        return ActionResult({"UserProfileArn": profile.arn})

    def describe_user_profile(self: Any) -> ActionResult:
        profile = self.sagemaker_backend.describe_user_profile(
            self._get_param("DomainId"), self._get_param("UserProfileName"))
        return ActionResult(profile.describe())

    def update_user_profile(self: Any) -> ActionResult:
        profile = self.sagemaker_backend.update_user_profile(
            self._get_param("DomainId"), self._get_param("UserProfileName"), self._get_param("UserSettings"))
        return ActionResult({"UserProfileArn": profile.arn})

    def delete_user_profile(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_user_profile(self._get_param("DomainId"), self._get_param("UserProfileName"))
        return EmptyResult()

    def list_user_profiles(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_user_profiles(
            self._get_param("DomainIdEquals"), self._get_param("UserProfileNameContains"))
        chunk, token = listed(self, found)
        return ActionResult({"UserProfiles": [p.summary() for p in chunk], "NextToken": token})

    def create_space(self: Any) -> ActionResult:
        space = self.sagemaker_backend.create_space(self._get_params())
        return ActionResult({"SpaceArn": space.arn})

    def describe_space(self: Any) -> ActionResult:
        space = self.sagemaker_backend.describe_space(self._get_param("DomainId"), self._get_param("SpaceName"))
        return ActionResult(space.describe())

    def update_space(self: Any) -> ActionResult:
        space = self.sagemaker_backend.update_space(
            self._get_param("DomainId"), self._get_param("SpaceName"), self._get_param("SpaceSettings"),
            self._get_param("SpaceDisplayName"))
        return ActionResult({"SpaceArn": space.arn})

    def delete_space(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_space(self._get_param("DomainId"), self._get_param("SpaceName"))
        return EmptyResult()

    def list_spaces(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_spaces(self._get_param("DomainIdEquals"),
                                                   self._get_param("SpaceNameContains"))
        chunk, token = listed(self, found)
        return ActionResult({"Spaces": [s.summary() for s in chunk], "NextToken": token})

    def create_app(self: Any) -> ActionResult:
        app = self.sagemaker_backend.create_app(self._get_params())
        return ActionResult({"AppArn": app.arn})

    def describe_app(self: Any) -> ActionResult:
        return ActionResult(self.sagemaker_backend.describe_app(self._get_params()).describe())

    def delete_app(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_app(self._get_params())
        return EmptyResult()

    def list_apps(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_apps(self._get_param("DomainIdEquals"),
                                                 self._get_param("UserProfileNameEquals"),
                                                 self._get_param("SpaceNameEquals"))
        chunk, token = listed(self, found)
        return ActionResult({"Apps": [a.summary() for a in chunk], "NextToken": token})

    def create_presigned_domain_url(self: Any) -> ActionResult:
        domain_id, profile = self._get_param("DomainId"), self._get_param("UserProfileName")
        self.sagemaker_backend.describe_user_profile(domain_id, profile)  # ResourceNotFound, as AWS answers
        if self._get_param("SpaceName"):
            self.sagemaker_backend.describe_space(domain_id, self._get_param("SpaceName"))
        token = mock_random.get_random_string(48)
        return ActionResult(
            {"AuthorizedUrl": f"https://{domain_id}.studio.{self.region}.sagemaker.aws/auth?token={token}"})


def _by_domain_and_name(store: str) -> Any:
    """A kind's finder: the ARN id of a profile or space is `<domain id>/<name>`."""
    return lambda backend, resource_id: getattr(backend, store).get(tuple(resource_id.split("/", 1)))


register_kind(Kind(FakeUserProfile.kind, _by_domain_and_name("ext_user_profiles"),
                   lambda backend: backend.ext_user_profiles.values()))
register_kind(Kind(FakeSpace.kind, _by_domain_and_name("ext_spaces"), lambda backend: backend.ext_spaces.values()))
# An app's ARN id is `<domain id>/<space or profile>/<app type in lower case>/<app name>`; deleted apps hold no tags
# the tagging API should find (AWS stops listing them there).
register_kind(Kind(FakeApp.kind,
                   lambda backend, resource_id: next((a for a in backend.ext_apps.values()
                                                      if a.arn.endswith(f":app/{resource_id}")), None),
                   lambda backend: [a for a in backend.ext_apps.values() if a.status != "Deleted"]))


def install() -> list[str]:
    graft(SageMakerModelBackend, StudioBackend)
    return add_operations(SageMakerResponse, StudioResponse, OPERATIONS)
