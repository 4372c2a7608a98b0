"""services/sagemaker_studio.py: user profiles, spaces and sign-in URLs, round-tripped through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import ACCOUNT, REGION, ROLE, TAGS, call, studio_domain

pytestmark = pytest.mark.moto


USER_SETTINGS = {
    "ExecutionRole": ROLE,
    "DefaultLandingUri": "studio::",
    "StudioWebPortal": "ENABLED",
    "JupyterLabAppSettings": {
        "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
        "AppLifecycleManagement": {
            "IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 90,
                             "MinIdleTimeoutInMinutes": 60, "MaxIdleTimeoutInMinutes": 240}
        },
    },
    "SpaceStorageSettings": {
        "DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 20, "MaximumEbsVolumeSizeInGb": 20}
    },
}


def test_user_profile_round_trip(client):
    sm = client("sagemaker")
    domain = studio_domain(sm)
    # GIVEN a Studio domain
    # WHEN a user profile is created with settings and tags
    arn = call(sm, "CreateUserProfile", DomainId=domain, UserProfileName="carol", UserSettings=USER_SETTINGS,
               Tags=TAGS)["UserProfileArn"]
    # THEN describe returns it in service with the settings as given
    described = call(sm, "DescribeUserProfile", DomainId=domain, UserProfileName="carol")
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{domain}/carol"
    assert described["Status"] == "InService"
    assert described["UserSettings"] == USER_SETTINGS
    assert described["UserProfileArn"] == arn and described["DomainId"] == domain
    # AND list finds it by domain
    listed = call(sm, "ListUserProfiles", DomainIdEquals=domain)["UserProfiles"]
    assert [p["UserProfileName"] for p in listed] == ["carol"]
    # AND its tags are readable and writable by ARN
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    call(sm, "AddTags", ResourceArn=arn, Tags=[{"Key": "owner", "Value": "carol@example.com"}])
    call(sm, "DeleteTags", ResourceArn=arn, TagKeys=["team"])
    assert {t["Key"] for t in call(sm, "ListTags", ResourceArn=arn)["Tags"]} == {"provision:workspace", "owner"}
    # AND an update changes the settings it names
    call(sm, "UpdateUserProfile", DomainId=domain, UserProfileName="carol",
         UserSettings={"DefaultLandingUri": "app:JupyterServer:"})
    updated = call(sm, "DescribeUserProfile", DomainId=domain, UserProfileName="carol")["UserSettings"]
    assert updated["DefaultLandingUri"] == "app:JupyterServer:" and updated["ExecutionRole"] == ROLE
    # AND after delete, describe says ResourceNotFound (what the provider's waiter looks for)
    call(sm, "DeleteUserProfile", DomainId=domain, UserProfileName="carol")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_user_profile(DomainId=domain, UserProfileName="carol")
    assert call(sm, "ListUserProfiles")["UserProfiles"] == []


def test_fails_when_user_profile_domain_does_not_exist(client):
    sm = client("sagemaker")
    # GIVEN no Studio domain
    # WHEN a user profile is created in a domain id that does not exist
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        sm.create_user_profile(DomainId="d-missing0000", UserProfileName="carol")
    # THEN the call fails and names the domain
    assert "d-missing0000" in excinfo.value.response["Error"]["Message"]


def test_fails_when_user_profile_exists(client):
    sm = client("sagemaker")
    domain = studio_domain(sm)
    # GIVEN a user profile
    sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    # WHEN it is created again
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    # THEN the second create fails (ResourceInUse) and the first is untouched
    assert sm.describe_user_profile(DomainId=domain, UserProfileName="carol")["Status"] == "InService"


SPACE_SETTINGS = {
    "AppType": "JupyterLab",
    "JupyterLabAppSettings": {
        "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
        "AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 90}},
    },
    "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 20}},
}


def test_space_round_trip(client):
    sm = client("sagemaker")
    domain = studio_domain(sm)
    sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    # GIVEN a domain and the user profile that will own the space
    # WHEN a shared space is created
    arn = call(sm, "CreateSpace", DomainId=domain, SpaceName="team", SpaceSettings=SPACE_SETTINGS,
               OwnershipSettings={"OwnerUserProfileName": "carol"}, SpaceSharingSettings={"SharingType": "Shared"},
               SpaceDisplayName="churn team", Tags=TAGS)["SpaceArn"]
    # THEN describe returns what was asked for, in service
    described = call(sm, "DescribeSpace", DomainId=domain, SpaceName="team")
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/{domain}/team"
    assert described["Status"] == "InService"
    assert described["SpaceSettings"] == SPACE_SETTINGS
    assert described["OwnershipSettings"] == {"OwnerUserProfileName": "carol"}
    assert described["SpaceSharingSettings"] == {"SharingType": "Shared"}
    assert described["SpaceDisplayName"] == "churn team" and described["Url"].startswith("https://")
    # AND list shows a summary
    [summary] = call(sm, "ListSpaces", DomainIdEquals=domain)["Spaces"]
    assert summary["SpaceName"] == "team" and summary["SpaceSettingsSummary"]["AppType"] == "JupyterLab"
    # AND tags work by ARN
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    call(sm, "DeleteTags", ResourceArn=arn, TagKeys=["team"])
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS[:1]
    # AND an update changes the display name
    call(sm, "UpdateSpace", DomainId=domain, SpaceName="team", SpaceDisplayName="churn squad")
    assert sm.describe_space(DomainId=domain, SpaceName="team")["SpaceDisplayName"] == "churn squad"
    # AND the owner cannot go while it owns the space; after the space is deleted it can
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.delete_user_profile(DomainId=domain, UserProfileName="carol")
    call(sm, "DeleteSpace", DomainId=domain, SpaceName="team")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_space(DomainId=domain, SpaceName="team")
    sm.delete_user_profile(DomainId=domain, UserProfileName="carol")


def test_presigned_domain_url_round_trip(client):
    sm = client("sagemaker")
    domain = studio_domain(sm)
    sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    # GIVEN a member's profile in the domain
    # WHEN a sign-in URL is asked for it
    url = call(sm, "CreatePresignedDomainUrl", DomainId=domain, UserProfileName="carol",
               ExpiresInSeconds=60)["AuthorizedUrl"]
    # THEN it is the domain's Studio URL with a one-time token, as AWS answers
    assert url.startswith(f"https://{domain}.studio.{REGION}.sagemaker.aws/auth?token=")
    # AND a profile or space that does not exist is ResourceNotFound (what `provision open` explains)
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.create_presigned_domain_url(DomainId=domain, UserProfileName="dave")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.create_presigned_domain_url(DomainId=domain, UserProfileName="carol", SpaceName="team")


def test_fails_when_space_owner_does_not_exist(client):
    sm = client("sagemaker")
    domain = studio_domain(sm)
    # GIVEN a domain without user profiles
    # WHEN a space names an owner that does not exist
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        sm.create_space(DomainId=domain, SpaceName="team", OwnershipSettings={"OwnerUserProfileName": "nobody"},
                        SpaceSharingSettings={"SharingType": "Shared"})
    # THEN the create fails, naming the owner, and no space exists
    assert "nobody" in excinfo.value.response["Error"]["Message"]
    assert sm.list_spaces()["Spaces"] == []


def _used_space(sm) -> str:
    """A domain with carol's profile and the team space she owns, as a notebooks workspace creates them."""
    domain = studio_domain(sm)
    sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    sm.create_space(DomainId=domain, SpaceName="team", OwnershipSettings={"OwnerUserProfileName": "carol"},
                    SpaceSharingSettings={"SharingType": "Shared"})
    return domain


def test_app_round_trip_goes_deleting_then_deleted(client):
    sm = client("sagemaker")
    domain = _used_space(sm)
    # GIVEN a space, opened by a person: SageMaker creates a JupyterLab app in it
    arn = call(sm, "CreateApp", DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default",
               ResourceSpec={"InstanceType": "ml.t3.medium"}, Tags=TAGS)["AppArn"]
    # THEN describe and list answer it in service, by domain and by space
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app/{domain}/team/jupyterlab/default"
    described = call(sm, "DescribeApp", DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default")
    assert described["Status"] == "InService" and described["AppArn"] == arn
    assert described["ResourceSpec"] == {"InstanceType": "ml.t3.medium"}
    [summary] = call(sm, "ListApps", DomainIdEquals=domain, SpaceNameEquals="team")["Apps"]
    assert (summary["AppType"], summary["AppName"], summary["SpaceName"]) == ("JupyterLab", "default", "team")
    assert call(sm, "ListApps", DomainIdEquals=domain, SpaceNameEquals="other")["Apps"] == []
    # WHEN it is deleted
    call(sm, "DeleteApp", DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default")
    # THEN the first read says Deleting, the next ones Deleted, as AWS moves it (never straight to gone)
    statuses = [call(sm, "DescribeApp", DomainId=domain, SpaceName="team", AppType="JupyterLab",
                     AppName="default")["Status"] for _ in range(2)]
    assert statuses == ["Deleting", "Deleted"]
    [summary] = call(sm, "ListApps", DomainIdEquals=domain)["Apps"]
    assert summary["Status"] == "Deleted"
    # AND a second delete of a Deleted app is ResourceNotFound, and the name can be used again
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.delete_app(DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default")
    sm.create_app(DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default")
    assert sm.describe_app(DomainId=domain, SpaceName="team", AppType="JupyterLab",
                           AppName="default")["Status"] == "InService"


def test_fails_when_space_or_profile_is_deleted_while_an_app_exists(client):
    sm = client("sagemaker")
    domain = _used_space(sm)
    # GIVEN an app in the team space and a kernel gateway in carol's own profile
    sm.create_app(DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default")
    sm.create_app(DomainId=domain, UserProfileName="carol", AppType="KernelGateway", AppName="datascience")
    # WHEN the space is deleted  THEN AWS's ResourceInUse answer comes back and the space stays
    with pytest.raises(sm.exceptions.ResourceInUse) as excinfo:
        sm.delete_space(DomainId=domain, SpaceName="team")
    assert excinfo.value.response["Error"]["Message"] == (
        f"Unable to delete Space [arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/{domain}/team] "
        "because App(s) are associated with it.")
    assert sm.describe_space(DomainId=domain, SpaceName="team")["Status"] == "InService"
    # AND while the space app is only Deleting, the space is still refused
    sm.delete_app(DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default")
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.delete_space(DomainId=domain, SpaceName="team")
    # AND once the app reads Deleted, the space goes
    while sm.describe_app(DomainId=domain, SpaceName="team", AppType="JupyterLab",
                          AppName="default")["Status"] != "Deleted":
        pass
    sm.delete_space(DomainId=domain, SpaceName="team")
    # AND the profile is refused with AWS's message while its own app exists
    with pytest.raises(sm.exceptions.ResourceInUse) as excinfo:
        sm.delete_user_profile(DomainId=domain, UserProfileName="carol")
    assert excinfo.value.response["Error"]["Message"] == (
        f"Unable to delete UserProfile [arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{domain}/carol] "
        "because App(s) are associated with it.")
    sm.delete_app(DomainId=domain, UserProfileName="carol", AppType="KernelGateway", AppName="datascience")
    sm.list_apps(DomainIdEquals=domain, UserProfileNameEquals="carol")  # Deleting
    sm.list_apps(DomainIdEquals=domain, UserProfileNameEquals="carol")  # Deleted
    sm.delete_user_profile(DomainId=domain, UserProfileName="carol")


def test_fails_when_app_space_does_not_exist(client):
    sm = client("sagemaker")
    domain = studio_domain(sm)
    # GIVEN a domain without spaces
    # WHEN an app is created in a space that does not exist
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        sm.create_app(DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default")
    # THEN it fails naming the space, and no app exists
    assert "team" in excinfo.value.response["Error"]["Message"]
    assert sm.list_apps()["Apps"] == []


def test_apps_are_found_by_their_tags(client):
    sm, tagging = client("sagemaker"), client("resourcegroupstaggingapi")
    domain = _used_space(sm)
    # GIVEN a tagged app in the team space
    arn = sm.create_app(DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default",
                        Tags=TAGS)["AppArn"]
    # WHEN the tagging API is asked for the workspace's resources
    def found():
        return [r["ResourceARN"] for r in tagging.get_resources(
            TagFilters=[{"Key": "provision:workspace", "Values": ["churn"]}])["ResourceTagMappingList"]]
    # THEN it finds the app (a leftover app is seen), and no longer once it is Deleted
    assert arn in found()
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    sm.delete_app(DomainId=domain, SpaceName="team", AppType="JupyterLab", AppName="default")
    sm.list_apps()
    sm.list_apps()
    assert arn not in found()
