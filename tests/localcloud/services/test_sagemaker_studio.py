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
