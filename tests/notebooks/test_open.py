"""`provision open`: presigned Studio URLs, against a moto server.

moto (5.2.x) implements sts:GetCallerIdentity and sagemaker:CreateDomain /
DescribeDomain, which `provision open` calls for real here. It lacks
sagemaker:CreatePresignedDomainUrl (and user profiles): for that one call
the tests hook botocore's `before-call` event, as botocore's Stubber does, on
the session of the command. botocore still validates the request against the
real API model (domain id and profile name patterns, ExpiresInSeconds range)
before the hook answers, and the hook checks its answer against the
operation's output shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from notebook_helpers import EXAMPLE, MOTO_ACCOUNT, edit_yaml, write_spec

from infra.studio_names import member_profile_name, shared_space_name

pytestmark = pytest.mark.moto

URL = "https://d-x.studio.eu-west-1.sagemaker.aws/auth?token=example"
OPERATION = "CreatePresignedDomainUrl"


class PresignStub:
    """Answers CreatePresignedDomainUrl (which moto lacks) and records the validated request."""

    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.requests: list[dict[str, Any]] = []

    def record(self, params: dict[str, Any], **_: Any) -> None:
        self.requests.append(dict(params))

    def answer(self, model: Any, **_: Any) -> tuple[Any, dict[str, Any]]:
        from botocore.awsrequest import AWSResponse
        from botocore.validate import ParamValidator

        if self.error:
            return AWSResponse(URL, 400, {}, None), {
                "Error": {"Code": self.error, "Message": "User profile does not exist"},
                "ResponseMetadata": {"HTTPStatusCode": 400}}
        body = {"AuthorizedUrl": URL}
        report = ParamValidator().validate(body, model.output_shape)
        assert not report.has_errors(), report.generate_report()
        return AWSResponse(URL, 200, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}


@pytest.fixture
def presign(monkeypatch: pytest.MonkeyPatch) -> PresignStub:
    """The command's AWS session, with the one call moto lacks answered by a stub."""
    import provisioner.cli.notebooks as command
    from provisioner.cloud.aws import Aws

    stub = PresignStub()

    def new_aws(ctx) -> Aws:  # the workspace's environment is an AWS one here: the caller's chain (moto)
        aws = Aws()
        aws.session.events.register(f"before-parameter-build.sagemaker.{OPERATION}", stub.record)
        aws.session.events.register(f"before-call.sagemaker.{OPERATION}", stub.answer)
        return aws

    monkeypatch.setattr(command, "new_aws", new_aws)
    return stub


def create_domain(name: str, *, kms: bool = True, auth: str = "IAM", network: str = "VpcOnly") -> str:
    import boto3

    client = boto3.client("sagemaker", region_name="eu-west-1")
    options: dict[str, Any] = {"AppNetworkAccessType": network}
    if kms:
        options["KmsKeyId"] = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
    arn = client.create_domain(DomainName=name, AuthMode=auth, VpcId="vpc-0a1b2c3d",
                               SubnetIds=["subnet-0a1b2c3d4e5f60001"],
                               DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{MOTO_ACCOUNT}:role/platform"},
                               **options)["DomainArn"]
    return arn.rsplit("/", 1)[-1]


@pytest.fixture
def studio(aws, acme: Path) -> str:
    """The example org moved to moto's account, with dev's Studio domain created in moto."""
    domain_id = create_domain("acmedev")

    def change(org: dict[str, Any]) -> None:
        for env in org["environments"].values():
            env["account_id"] = MOTO_ACCOUNT
        org["environments"]["dev"]["studio"] = {"domain_id": domain_id}

    edit_yaml(acme / "provision.yaml", change)
    return domain_id


def test_open_prints_a_presigned_url_for_the_members_profile(run, studio, presign):
    # GIVEN the example workspace, its domain in moto, and a member
    # WHEN the member asks for Studio
    result = run("open", EXAMPLE, "--member", "dave.obrien@example.com")
    # THEN the URL alone is printed on stdout
    assert result.code == 0, result.err
    assert result.out.strip() == URL
    # AND it was asked for the member's profile (the name the stack gives it), for 5 minutes
    assert presign.requests == [{"DomainId": studio, "ExpiresInSeconds": 300,
                                 "UserProfileName": member_profile_name("acme", EXAMPLE, "dev", "dave.obrien@example.com")}]
    assert "acme-notebook-lab-ws-dev-dave-obrien-c85fc6 (dave.obrien@example.com)" in result.err
    assert "warning" not in result.err  # the domain is VpcOnly with a customer key


def test_open_matches_the_member_in_any_case_and_defaults_to_the_owner(run, studio, presign):
    # GIVEN the owner (carol) is a member
    # WHEN no member is given, and when one is given in another case
    first = run("open", EXAMPLE)
    second = run("open", EXAMPLE, "--member", "Erin@Example.COM", "--expires", "60")
    # THEN the owner's profile is opened first, erin's second, with the shorter expiry
    assert first.code == 0 and second.code == 0, first.err + second.err
    assert [r["UserProfileName"] for r in presign.requests] == [
        member_profile_name("acme", EXAMPLE, "dev", "carol@example.com"),
        member_profile_name("acme", EXAMPLE, "dev", "erin@example.com")]
    assert presign.requests[1]["ExpiresInSeconds"] == 60


def test_open_space_opens_the_team_space_and_json_says_what_was_opened(run, studio, presign):
    # WHEN the member asks for the shared space with JSON output
    result = run("open", EXAMPLE, "--space", "--output", "json")
    # THEN the request names the team space, and the JSON carries the URL and the profile
    import json

    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert presign.requests[0]["SpaceName"] == shared_space_name("acme", EXAMPLE, "dev")
    assert data["url"] == URL and data["space"] == "acme-notebook-lab-ws-dev-team"
    assert data["member"] == "carol@example.com" and data["domain_id"] == studio and data["warnings"] == []


def test_open_warns_about_what_the_domain_lacks(run, aws, acme: Path, presign):
    # GIVEN a VPC environment (prod) whose domain has direct internet access and no customer key
    domain_id = create_domain("acmeprod", kms=False, network="PublicInternetOnly")

    def change(org: dict[str, Any]) -> None:
        org["environments"]["prod"].update(account_id=MOTO_ACCOUNT, studio={"domain_id": domain_id})

    edit_yaml(acme / "provision.yaml", change)
    write_spec(acme, "nb-prod", environment="prod")
    # WHEN a member opens Studio
    result = run("open", "nb-prod")
    # THEN the URL is still printed, with both warnings on stderr
    assert result.code == 0, result.err
    assert result.out.strip() == URL
    assert "has no customer KMS key" in result.err
    assert "is PublicInternetOnly" in result.err and "make the domain VpcOnly" in result.err


def test_fails_when_member_not_in_the_workspace(run, studio, presign):
    # WHEN someone who is not a member asks
    result = run("open", EXAMPLE, "--member", "mallory@example.com")
    # THEN it is invalid input naming the members, and nothing is asked of AWS
    assert result.code == 2
    [line] = result.error_lines
    assert f"workspaces/{EXAMPLE}.yaml: members: 'mallory@example.com' is not a member" in line
    assert "carol@example.com, dave.obrien@example.com, erin@example.com" in line
    assert presign.requests == []


def test_fails_when_member_is_not_an_email_address(run, studio, presign):
    # WHEN the member is given by name only
    result = run("open", EXAMPLE, "--member", "carol")
    # THEN it is invalid input on --member, and nothing is asked of AWS
    assert result.code == 2
    assert "<command line>: --member: 'carol' is not an email address" in result.err
    assert presign.requests == []


def test_fails_when_several_members_and_the_owner_is_not_one(run, studio, presign, acme: Path):
    # GIVEN a workspace whose owner is not a member, with two members
    write_spec(acme, "nb-two", owner="olga@example.com", members=["ann@example.com", "ben@example.com"])
    # WHEN nobody is named
    result = run("open", "nb-two")
    # THEN the command asks which member, listing them
    assert result.code == 2
    assert "has 2 members; say which one" in result.err and "ann@example.com, ben@example.com" in result.err


def test_fails_when_missing_domain(run, acme: Path):
    # GIVEN a notebooks workspace in an environment without Studio (prod)
    write_spec(acme, "nb-prod", environment="prod")
    # WHEN a member asks for Studio
    result = run("open", "nb-prod")
    # THEN it explains that the environment has no domain, and how to add one
    assert result.code == 2
    assert "environment 'prod' has no SageMaker Studio domain" in result.err
    assert "under environments.prod in provision.yaml" in result.err


def test_fails_when_workspace_has_no_notebooks(run):
    # GIVEN a training-only workspace of the example org
    result = run("open", "churn-model")
    # THEN it explains the blueprint has no notebooks
    assert result.code == 2
    assert "gpu-training@1.0.0 has no notebooks capability" in result.err
    assert "notebook-lab@1.0.0" in result.err


def test_fails_when_domain_does_not_exist(run, aws, acme: Path, presign):
    # GIVEN a domain id that moto does not know
    edit_yaml(acme / "provision.yaml", lambda org: org["environments"]["dev"].update(account_id=MOTO_ACCOUNT))
    # WHEN a member asks for Studio
    result = run("open", EXAMPLE)
    # THEN the operation fails naming the setting to fix
    assert result.code == 1
    assert "Studio domain d-a1b2c3d4e5f6 (environments.dev.studio.domain_id in provision.yaml) does not exist" in result.err
    assert presign.requests == []


def test_fails_when_domain_uses_identity_center(run, aws, acme: Path, presign):
    # GIVEN a domain that signs users in through IAM Identity Center
    domain_id = create_domain("acmesso", auth="SSO")

    def change(org: dict[str, Any]) -> None:
        org["environments"]["dev"].update(account_id=MOTO_ACCOUNT, studio={"domain_id": domain_id})

    edit_yaml(acme / "provision.yaml", change)
    # WHEN a member asks for Studio
    result = run("open", EXAMPLE)
    # THEN it explains there are no presigned URLs for such a domain
    assert result.code == 1
    assert "signs users in through IAM Identity Center" in result.err and "access portal" in result.err


def test_fails_when_credentials_are_for_another_account(run, aws, presign):
    # GIVEN the example org as is (dev is account 111111111111; moto answers as 123456789012)
    result = run("open", EXAMPLE)
    # THEN it refuses before touching the domain
    assert result.code == 1
    assert f"credentials are for account {MOTO_ACCOUNT}" in result.err and "lives in account 111111111111" in result.err
    assert presign.requests == []


def test_fails_when_profile_not_applied_yet(run, studio, presign):
    # GIVEN SageMaker does not know the profile (the workspace was never applied)
    presign.error = "ResourceNotFound"
    # WHEN a member asks for Studio
    result = run("open", EXAMPLE, "--member", "erin@example.com")
    # THEN it says to apply first
    assert result.code == 1
    assert "erin@example.com's Studio profile acme-notebook-lab-ws-dev-erin-405340 does not exist" in result.err
    assert f"provision apply {EXAMPLE}" in result.err
