"""A destroy that finishes: Studio apps deleted before Terraform deletes their spaces and profiles, endpoint updates
waited out, and what is still tagged with the workspace afterwards reported (provisioner/cloud/decommission.py).

Each test runs against the local cloud (a real moto server with provision's extensions), which answers as AWS
does: DeleteSpace/DeleteUserProfile refused while an app exists, DeleteApp going Deleting then Deleted. Waits run
on a fixed clock that moves only when the code sleeps.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from provisioner.cloud.decommission import (
    Endpoint,
    StudioOwner,
    delete_studio_apps,
    leftovers,
    read_destroy_plan,
    retained,
    settle_endpoints,
)
from provisioner.errors import OperationFailed

pytestmark = pytest.mark.moto  # most tests here talk to a running local cloud

REGION = "eu-west-1"
DOMAIN = "d-a1b2c3d4e5f6"  # the example org's sandbox domain (moto names a domain d-<DomainName>)
WORKSPACE_TAGS = [{"Key": "provision:org", "Value": "acme"}, {"Key": "provision:workspace", "Value": "nb"},
                  {"Key": "provision:environment", "Value": "sandbox"}]


class Clock:
    """A fixed clock: time passes only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _aws(sandbox):
    from provisioner.cloud.aws import Aws

    return Aws.local(sandbox.endpoint, REGION)


def _used_notebook_workspace(sm) -> None:
    """What a notebooks workspace holds once people used it: a profile, a shared space, and the apps SageMaker
    created when they opened them (a JupyterLab app in the space, a kernel gateway in the profile)."""
    if DOMAIN not in {d["DomainId"] for d in sm.list_domains()["Domains"]}:
        sm.create_domain(DomainName=DOMAIN[2:], AuthMode="IAM",
                         DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/studio"},
                         SubnetIds=["subnet-0a1b2c3d4e5f60001"], VpcId="vpc-0a1b2c3d4e5f60001")
    sm.create_user_profile(DomainId=DOMAIN, UserProfileName="acme-nb-carol", Tags=WORKSPACE_TAGS)
    sm.create_space(DomainId=DOMAIN, SpaceName="acme-nb-team", Tags=WORKSPACE_TAGS,
                    OwnershipSettings={"OwnerUserProfileName": "acme-nb-carol"},
                    SpaceSharingSettings={"SharingType": "Shared"})
    sm.create_app(DomainId=DOMAIN, SpaceName="acme-nb-team", AppType="JupyterLab", AppName="default")
    sm.create_app(DomainId=DOMAIN, UserProfileName="acme-nb-carol", AppType="KernelGateway", AppName="datascience")


def _destroy_plan(tmp_path: Path, changes: list[dict], state: list[dict] | None = None) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"resource_changes": changes,
                                "prior_state": {"values": {"root_module": {"resources": state or []}}}}))
    return path


def _delete(address: str, before: dict) -> dict:
    return {"address": address, "type": address.split(".")[0], "change": {"actions": ["delete"], "before": before}}


OWNERS = [StudioOwner("aws_sagemaker_space.team", DOMAIN, "space", "acme-nb-team"),
          StudioOwner("aws_sagemaker_user_profile.carol", DOMAIN, "user-profile", "acme-nb-carol")]


def test_the_destroy_plan_names_the_spaces_profiles_and_endpoints_it_deletes(tmp_path: Path):
    # GIVEN a destroy plan deleting a space, a profile, an endpoint and a bucket, with the state's ARNs
    plan = _destroy_plan(tmp_path, [
        _delete("aws_sagemaker_space.team", {"domain_id": DOMAIN, "space_name": "acme-nb-team"}),
        _delete("aws_sagemaker_user_profile.carol", {"domain_id": DOMAIN, "user_profile_name": "acme-nb-carol"}),
        _delete("aws_sagemaker_endpoint.serving", {"name": "acme-nb-serving"}),
        _delete("aws_s3_bucket.data", {"bucket": "acme-nb-data"}),
    ], [{"address": "aws_s3_bucket.data", "values": {"arn": "arn:aws:s3:::acme-nb-data"}}])
    # WHEN it is read
    facts = read_destroy_plan(plan)
    # THEN it names the Studio owners and the endpoint as the state knows them, and the state's ARNs
    assert facts.studio == OWNERS
    assert facts.endpoints == [Endpoint("aws_sagemaker_endpoint.serving", "acme-nb-serving")]
    assert facts.arns == {"aws_s3_bucket.data": "arn:aws:s3:::acme-nb-data"} and facts.in_aws


def test_a_used_notebook_workspace_has_its_apps_deleted_so_its_space_and_profile_can_go(sandbox):
    aws = _aws(sandbox)
    sm = aws.client("sagemaker", REGION)
    # GIVEN a used notebook workspace: apps in its space and in its member's profile
    _used_notebook_workspace(sm)
    with pytest.raises(sm.exceptions.ResourceInUse):  # what Terraform's destroy would meet on AWS
        sm.delete_space(DomainId=DOMAIN, SpaceName="acme-nb-team")
    clock, said = Clock(), []
    # WHEN the destroy clears them before Terraform runs
    deleted = delete_studio_apps(aws, REGION, OWNERS, timeout=1200, say=said.append, clock=clock, sleep=clock.sleep)
    # THEN both apps were deleted and waited for (Deleting, then Deleted), with progress along the way
    assert [app.label for app in deleted] == ["JupyterLab app default in space acme-nb-team",
                                              "KernelGateway app datascience in user-profile acme-nb-carol"]
    assert said[0].startswith("studio apps: deleting 2 app(s)") and "up to 20m00s" in said[0]
    assert any("Deleting" in line for line in said[1:-1])
    assert said[-1] == "studio apps: all 2 deleted after 0m15s" and clock.slept == [15.0]
    # AND AWS now deletes the space and then the profile, as Terraform's destroy does
    sm.delete_space(DomainId=DOMAIN, SpaceName="acme-nb-team")
    sm.delete_user_profile(DomainId=DOMAIN, UserProfileName="acme-nb-carol")


def test_fails_when_studio_apps_are_not_deleted_before_the_timeout(sandbox):
    aws = _aws(sandbox)
    sm = aws.client("sagemaker", REGION)
    _used_notebook_workspace(sm)
    clock = Clock()
    # GIVEN apps that are still Deleting when the timeout runs out (0: no waiting; the first read says Deleting)
    # WHEN the destroy clears them
    with pytest.raises(OperationFailed) as excinfo:
        delete_studio_apps(aws, REGION, OWNERS, timeout=0, say=lambda line: None, clock=clock, sleep=clock.sleep)
    # THEN it fails (exit 1) naming each app that blocked it, and says Terraform destroyed nothing
    message = excinfo.value.message
    assert excinfo.value.exit_code == 1
    assert "destroy blocked: 2 Studio app(s) not deleted after 0m00s (timeout 0m00s)" in message
    assert "JupyterLab app default in space acme-nb-team Deleting" in message
    assert "KernelGateway app datascience in user-profile acme-nb-carol Deleting" in message
    assert "Terraform destroyed nothing" in message and "--wait-timeout" in excinfo.value.hint
    # AND the space and profile are still there
    assert sm.describe_space(DomainId=DOMAIN, SpaceName="acme-nb-team")["Status"] == "InService"
    assert sm.describe_user_profile(DomainId=DOMAIN, UserProfileName="acme-nb-carol")["Status"] == "InService"


def test_a_workspace_nobody_opened_needs_no_wait(sandbox):
    aws = _aws(sandbox)
    sm = aws.client("sagemaker", REGION)
    _used_notebook_workspace(sm)
    clock, said = Clock(), []
    # GIVEN owners with no app in them (another profile of the domain)
    sm.create_user_profile(DomainId=DOMAIN, UserProfileName="acme-nb-dave")
    # WHEN the destroy clears them  THEN nothing is deleted, nothing said, no time spent
    owner = StudioOwner("aws_sagemaker_user_profile.dave", DOMAIN, "user-profile", "acme-nb-dave")
    assert delete_studio_apps(aws, REGION, [owner], say=said.append, clock=clock, sleep=clock.sleep) == []
    assert said == [] and clock.slept == []


class _UpdatingEndpoints:
    """A SageMaker client whose endpoint reads Updating twice, then InService.

    A stand-in on purpose: the local cloud's endpoints are InService at once (it runs nothing), so an update in
    progress cannot be held there."""

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses

    def client(self, service: str, region: str):
        return self

    def describe_endpoint(self, EndpointName: str) -> dict:  # noqa: N803 - boto3's argument name
        return {"EndpointStatus": self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]}


def test_an_endpoint_in_an_update_is_waited_out_before_the_destroy():
    clock, said = Clock(), []
    # GIVEN an endpoint in an update that settles after two polls
    aws = _UpdatingEndpoints(["Updating", "Updating", "InService"])
    # WHEN the destroy waits for it
    statuses = settle_endpoints(aws, REGION, [Endpoint("aws_sagemaker_endpoint.serving", "acme-nb-serving")],
                                timeout=3600, say=said.append, clock=clock, sleep=clock.sleep)
    # THEN it returns once the status is settled, having said what it waited for once
    assert statuses == {"acme-nb-serving": "InService"} and clock.slept == [15.0, 15.0]
    assert said == ["endpoints: 0m00s: waiting for endpoint acme-nb-serving Updating to settle before the destroy"]


def test_fails_when_an_endpoint_update_does_not_settle_in_time():
    clock = Clock()
    # GIVEN an endpoint that stays Updating
    aws = _UpdatingEndpoints(["Updating"])
    # WHEN the destroy waits 60 s for it  THEN it fails naming the endpoint and its status
    with pytest.raises(OperationFailed) as excinfo:
        settle_endpoints(aws, REGION, [Endpoint("aws_sagemaker_endpoint.serving", "acme-nb-serving")],
                         timeout=60, say=lambda line: None, clock=clock, sleep=clock.sleep)
    assert "destroy blocked: endpoint acme-nb-serving Updating after 1m00s" in excinfo.value.message


def test_settled_and_missing_endpoints_need_no_wait(sandbox):
    aws = _aws(sandbox)
    clock = Clock()
    # GIVEN an endpoint name the local cloud does not know
    # WHEN the destroy waits for it  THEN it is taken as gone, at once
    assert settle_endpoints(aws, REGION, [Endpoint("aws_sagemaker_endpoint.serving", "acme-nb-missing")],
                            say=lambda line: None, clock=clock, sleep=clock.sleep) == {}
    assert clock.slept == []


def test_retained_names_the_home_folders_and_the_protected_resources():
    # GIVEN Studio owners the destroy deletes and the protected resources it keeps (no domain to read: said so)
    class NoDomain:
        def client(self, service, region):
            from botocore.exceptions import ClientError

            class Client:
                def describe_domain(self, DomainId):  # noqa: N803
                    raise ClientError({"Error": {"Code": "ResourceNotFound", "Message": "no"}}, "DescribeDomain")
            return Client()

    # WHEN what stays is put in words
    lines = retained(NoDomain(), REGION, OWNERS, {"aws_s3_bucket.data": "protected",
                                                  "aws_kms_key.key": "aws_s3_bucket.data (protected) depends on it"})
    # THEN the home folders on the domain's EFS and the protected bucket are named
    assert lines[0].startswith(f"Studio home folders of space acme-nb-team, user-profile acme-nb-carol stay on its "
                               f"EFS volume of domain {DOMAIN}")
    assert lines[1] == "protected resources kept with their data: aws_s3_bucket.data"


def test_fails_when_something_tagged_with_the_workspace_remains_after_the_destroy(sandbox):
    aws = _aws(sandbox)
    s3, sm = aws.client("s3", REGION), aws.client("sagemaker", REGION)
    tagging = {"TagSet": WORKSPACE_TAGS}
    # GIVEN after a destroy: a protected bucket it kept, a bucket Terraform just deleted that the Tagging API
    # still lists (it lags on AWS; here it was never deleted), and a bucket someone made by hand with the tags
    for bucket in ("acme-nb-data", "acme-nb-just-deleted", "acme-nb-by-hand"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_tagging(Bucket=bucket, Tagging=tagging)
    # AND a tagged model package group nobody's state knows (planted leftover), and a resource of another workspace
    sm.create_model_package_group(ModelPackageGroupName="acme-nb-hand-made", Tags=WORKSPACE_TAGS)
    sm.create_model_package_group(ModelPackageGroupName="acme-other", Tags=[
        {"Key": "provision:org", "Value": "acme"}, {"Key": "provision:workspace", "Value": "other"},
        {"Key": "provision:environment", "Value": "sandbox"}])
    arns = {"aws_s3_bucket.data": "arn:aws:s3:::acme-nb-data",
            "aws_s3_bucket.scratch": "arn:aws:s3:::acme-nb-just-deleted"}
    ctx = SimpleNamespace(org="acme", name="nb", environment="sandbox", region=REGION)
    # WHEN the workspace's tags are searched
    left = leftovers(aws, ctx, arns, removed=["aws_s3_bucket.scratch"], kept=["aws_s3_bucket.data"])
    # THEN the hand-made bucket and registry are leftovers; the kept bucket is kept; the just-deleted one is not
    # counted; the other workspace's registry is not seen
    assert sorted(r.name for r in left.remaining) == ["acme-nb-by-hand", "acme-nb-hand-made"]
    assert [r.name for r in left.kept] == ["acme-nb-data"]
    assert "acme-other" not in json.dumps(left.to_dict())


def test_nothing_remains_after_a_clean_destroy(sandbox):
    aws = _aws(sandbox)
    s3 = aws.client("s3", REGION)
    # GIVEN only the protected bucket the destroy kept
    s3.create_bucket(Bucket="acme-nb-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket="acme-nb-data", Tagging={"TagSet": WORKSPACE_TAGS})
    ctx = SimpleNamespace(org="acme", name="nb", environment="sandbox", region=REGION)
    # WHEN the workspace's tags are searched  THEN nothing remains
    left = leftovers(aws, ctx, {"aws_s3_bucket.data": "arn:aws:s3:::acme-nb-data"}, removed=[],
                     kept=["aws_s3_bucket.data"])
    assert left.remaining == [] and [r.name for r in left.kept] == ["acme-nb-data"]
