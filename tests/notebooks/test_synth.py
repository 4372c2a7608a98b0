"""What the notebooks capability synthesizes (real cdktn synth, once per session: see conftest.synth)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from notebook_helpers import EXAMPLE, PROD_DOMAIN, WORST

from infra.studio_names import member_profile_name

pytestmark = pytest.mark.synth

IDLE_APPS = ("jupyter_lab_app_settings", "code_editor_app_settings")
STUDIO_POLICY_MAX_CHARS = 6144  # IAM's limit for a managed policy, whitespace not counted


def minified(policy: str) -> int:
    return len(json.dumps(json.loads(policy), separators=(",", ":")))


def studio_statements(synth, workspace: str) -> dict[str, dict]:
    """Statements of the workspace's Studio policy, over all its parts."""
    policies = synth.resources(workspace, "aws_iam_policy")
    return {s["Sid"]: s for name, body in sorted(policies.items()) if name.startswith("studio_policy")
            for s in json.loads(body["policy"])["Statement"]}


def access_statements(synth, workspace: str) -> dict[str, dict]:
    policy = synth.resources(workspace, "aws_iam_policy")["access_policy"]["policy"]
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


def test_each_member_gets_a_tagged_profile_with_the_workspace_execution_role(synth):
    # GIVEN the example workspace and its three members
    ctx = synth.contexts[EXAMPLE]
    profiles = synth.resources(EXAMPLE, "aws_sagemaker_user_profile")
    # THEN there is one profile per member, named by the naming function, plus the space owner
    expected = {member_profile_name("acme", EXAMPLE, "dev", m) for m in ctx.members}
    names = {p["user_profile_name"] for p in profiles.values()}
    assert names == expected | {"acme-notebook-lab-ws-dev-team-owner"}
    for profile in profiles.values():
        # in the dev domain, running as the workspace execution role, tagged like everything else
        assert profile["domain_id"] == "d-a1b2c3d4e5f6"
        assert profile["user_settings"]["execution_role"] == "${aws_iam_role.execution_role.arn}"
        assert profile["tags"] == ctx.tags


def test_profile_addresses_are_stable_per_member(synth):
    # GIVEN the example workspace's profiles
    profiles = synth.resources(EXAMPLE, "aws_sagemaker_user_profile")
    # THEN their Terraform addresses come from the member's address (adding a member moves nobody else)
    assert sorted(profiles) == ["studio_member_carol_e0d47c", "studio_member_dave_obrien_c85fc6",
                                "studio_member_erin_405340", "studio_space_owner"]


def test_team_gets_one_shared_space_owned_by_its_own_profile(synth):
    # GIVEN the example workspace
    [space] = synth.resources(EXAMPLE, "aws_sagemaker_space").values()
    # THEN the space is shared, owned by the team-owner profile (not a member who may leave), tagged
    assert space["space_name"] == "acme-notebook-lab-ws-dev-team"
    assert space["space_sharing_settings"] == {"sharing_type": "Shared"}
    assert space["ownership_settings"] == {
        "owner_user_profile_name": "${aws_sagemaker_user_profile.studio_space_owner.user_profile_name}"}
    assert space["space_settings"]["app_type"] == "JupyterLab"
    assert space["space_settings"]["space_storage_settings"] == {"ebs_storage_settings": {"ebs_volume_size_in_gb": 20}}
    assert space["tags"] == synth.contexts[EXAMPLE].tags


def test_jupyterlab_and_code_editor_shut_down_when_idle_within_the_org_cap(synth):
    # GIVEN the example workspace (idle timeout 90, org cap max_idle_minutes 240)
    for profile in synth.resources(EXAMPLE, "aws_sagemaker_user_profile").values():
        for app in IDLE_APPS:
            idle = profile["user_settings"][app]["app_lifecycle_management"]["idle_settings"]
            # THEN lifecycle management is on, with the spec's timeout, bounded by 60..cap
            assert idle == {"lifecycle_management": "ENABLED", "idle_timeout_in_minutes": 90,
                            "min_idle_timeout_in_minutes": 60, "max_idle_timeout_in_minutes": 240}
    [space] = synth.resources(EXAMPLE, "aws_sagemaker_space").values()
    idle = space["space_settings"]["jupyter_lab_app_settings"]["app_lifecycle_management"]["idle_settings"]
    assert idle == {"idle_timeout_in_minutes": 90}


def test_idle_timeout_at_the_cap_is_used_as_is(synth):
    # GIVEN a workspace asking for exactly the cap (240) with a Code Editor team space
    [space] = synth.resources("nb-vpc", "aws_sagemaker_space").values()
    profile = next(iter(synth.resources("nb-vpc", "aws_sagemaker_user_profile").values()))
    # THEN timeout and maximum are both 240, and the Code Editor space shuts down after 240 minutes
    idle = profile["user_settings"]["code_editor_app_settings"]["app_lifecycle_management"]["idle_settings"]
    assert idle["idle_timeout_in_minutes"] == idle["max_idle_timeout_in_minutes"] == 240
    assert space["space_settings"]["app_type"] == "CodeEditor"
    assert "jupyter_lab_app_settings" not in space["space_settings"]
    assert space["space_settings"]["code_editor_app_settings"]["app_lifecycle_management"] == {
        "idle_settings": {"idle_timeout_in_minutes": 240}}


def test_apps_start_on_an_allowed_instance_type(synth):
    for workspace in synth.configs:
        ctx = synth.contexts[workspace]
        allowed = set(ctx.param("notebooks.instance_types"))
        # GIVEN every default resource spec of every profile and space
        specs = [p["user_settings"][app]["default_resource_spec"]["instance_type"]
                 for p in synth.resources(workspace, "aws_sagemaker_user_profile").values() for app in IDLE_APPS]
        specs += [s["space_settings"][app]["default_resource_spec"]["instance_type"]
                  for s in synth.resources(workspace, "aws_sagemaker_space").values()
                  for app in IDLE_APPS if app in s["space_settings"]]
        # THEN each is the workspace default, inside the workspace's types, inside the org allowlist
        assert set(specs) == {ctx.param("notebooks.default_instance_type")}
        assert set(specs) <= allowed <= set(ctx.guardrails.notebook_instance_types)


def test_iam_denies_studio_apps_on_instance_types_outside_the_allowlist(synth):
    for workspace in synth.configs:
        ctx = synth.contexts[workspace]
        # GIVEN the Studio policy of the workspace
        deny = studio_statements(synth, workspace)["DenyNotebookInstanceTypesOutsideAllowlist"]
        # THEN creating or resizing an app or space on any other type is denied; `system` (no compute) stays
        assert deny["Effect"] == "Deny" and deny["Resource"] == "*"
        assert deny["Action"] == ["sagemaker:CreateApp", "sagemaker:CreateSpace", "sagemaker:UpdateSpace"]
        assert deny["Condition"] == {"ForAnyValue:StringNotEquals": {
            "sagemaker:InstanceTypes": sorted(ctx.param("notebooks.instance_types")) + ["system"]}}
    # AND the policy is attached to the execution role the profiles use
    attachment = synth.resources(EXAMPLE, "aws_iam_role_policy_attachment")["studio_policy"]
    assert attachment == {"policy_arn": "${aws_iam_policy.studio_policy.arn}", "role": "${aws_iam_role.execution_role.name}"}


def test_studio_cannot_touch_other_workspaces_spaces_or_change_its_settings(synth):
    statements = studio_statements(synth, EXAMPLE)
    prefix = "arn:aws:sagemaker:eu-west-1:111111111111"
    # GIVEN the Studio policy
    # THEN apps are started only in the team space, or in private spaces owned by this workspace's profiles
    assert statements["UseTeamSpace"]["Resource"] == [
        f"{prefix}:space/d-a1b2c3d4e5f6/acme-notebook-lab-ws-dev-team",
        f"{prefix}:app/d-a1b2c3d4e5f6/acme-notebook-lab-ws-dev-team/*"]
    private = statements["UseOwnPrivateSpaces"]["Condition"]
    assert private["StringEquals"] == {"sagemaker:SpaceSharingType": "Private"}
    owners = private["ArnEquals"]["sagemaker:OwnerUserProfileArn"]
    assert len(owners) == 4 and all(o.startswith(f"{prefix}:user-profile/d-a1b2c3d4e5f6/acme-notebook-lab-ws-dev-")
                                    for o in owners)
    # AND profiles and the domain cannot be changed from Studio
    assert statements["DenyChangingStudioSettings"]["Effect"] == "Deny"
    assert "sagemaker:UpdateUserProfile" in statements["DenyChangingStudioSettings"]["Action"]


def test_people_may_open_only_profiles_tagged_with_their_workspace(synth):
    # GIVEN the workspace access policy
    opening = access_statements(synth, EXAMPLE)["OpenWorkspaceStudioProfiles"]
    # THEN presigned URLs are allowed only for profiles carrying this workspace's org/workspace/environment tags
    assert opening["Action"] == ["sagemaker:CreatePresignedDomainUrl", "sagemaker:DescribeUserProfile"]
    assert opening["Condition"] == {"StringEquals": {
        "aws:ResourceTag/provision:org": "acme", "aws:ResourceTag/provision:workspace": EXAMPLE,
        "aws:ResourceTag/provision:environment": "dev"}}


def test_policies_fit_iam_limits_in_the_worst_case(synth):
    from provisioner.specs.checks.notebooks import MAX_MEMBERS

    # GIVEN the longest names, the most members allowed and a custom image
    ctx = synth.contexts[WORST]
    assert len(ctx.members) == MAX_MEMBERS and len(ctx.name) == 32 and len(ctx.org) == 12
    profiles = synth.resources(WORST, "aws_sagemaker_user_profile")
    assert len(profiles) == MAX_MEMBERS + 1
    assert max(len(p["user_profile_name"]) for p in profiles.values()) == 63
    # THEN every policy stays below IAM's managed policy size, the Studio statements in two policies
    policies = synth.resources(WORST, "aws_iam_policy")
    sizes = {name: minified(body["policy"]) for name, body in policies.items()}
    print(f"\nworst-case policy sizes (IAM limit {STUDIO_POLICY_MAX_CHARS}): {sizes}")
    assert all(size < STUDIO_POLICY_MAX_CHARS for size in sizes.values()), sizes
    assert {"studio_policy", "studio_policy_2"} <= set(policies)
    # AND every part is attached to the execution role
    attachments = synth.resources(WORST, "aws_iam_role_policy_attachment")
    attached = {a["policy_arn"] for a in attachments.values() if a["role"] == "${aws_iam_role.execution_role.name}"}
    assert {f"${{aws_iam_policy.{name}.arn}}" for name in policies if name.startswith("studio_policy")} <= attached


def test_notebook_sharing_is_encrypted_with_the_workspace_key_or_off(synth):
    # GIVEN the example (sharing on) and nb-vpc (sharing off)
    shared = synth.resources(EXAMPLE, "aws_sagemaker_user_profile")["studio_member_carol_e0d47c"]
    private = next(iter(synth.resources("nb-vpc", "aws_sagemaker_user_profile").values()))
    # THEN shared notebooks go to the artifacts bucket under the workspace key, or nowhere
    assert shared["user_settings"]["sharing_settings"] == {
        "notebook_output_option": "Allowed", "s3_kms_key_id": "${aws_kms_key.key.arn}",
        "s3_output_path": "s3://acme-notebook-lab-ws-dev-artifacts-111111111111/studio/shared-notebooks/"}
    assert private["user_settings"]["sharing_settings"] == {"notebook_output_option": "Disabled"}


def test_vpc_environment_apps_use_its_security_groups(synth):
    # GIVEN a workspace in prod (subnets and security groups) and one in dev (none)
    vpc = next(iter(synth.resources("nb-vpc", "aws_sagemaker_user_profile").values()))
    plain = next(iter(synth.resources(EXAMPLE, "aws_sagemaker_user_profile").values()))
    # THEN only the VPC workspace's apps carry the environment's security groups
    assert vpc["domain_id"] == PROD_DOMAIN
    assert vpc["user_settings"]["security_groups"] == ["sg-0a1b2c3d4e5f60001"]
    assert "security_groups" not in plain["user_settings"]


def test_no_app_runs_as_root_and_ungoverned_apps_are_hidden(synth):
    for workspace in synth.configs:
        for profile in synth.resources(workspace, "aws_sagemaker_user_profile").values():
            settings = profile["user_settings"]
            # THEN no POSIX user (which could be uid 0) is configured, and apps without idle shutdown are hidden
            assert "custom_posix_user_config" not in settings
            assert settings["studio_web_portal_settings"]["hidden_app_types"] == ["JupyterServer", "RStudioServerPro", "Canvas"]


def test_ecr_image_is_offered_in_jupyterlab_when_the_blueprint_asks(synth):
    # GIVEN nb-vpc with notebooks.custom_image_tag, and the example without
    resources = synth.configs["nb-vpc"]["resource"]
    # THEN the image, its version on the workspace repository's tag, and an app image config exist
    image = resources["aws_sagemaker_image"]["notebook_image"]
    version = resources["aws_sagemaker_image_version"]["notebook_image_version"]
    config = resources["aws_sagemaker_app_image_config"]["notebook_image_config"]
    assert image["image_name"] == "acme-nb-vpc-prod-notebook-image"
    assert image["role_arn"] == "${aws_iam_role.execution_role.arn}"
    assert version["base_image"] == "${aws_ecr_repository.images.repository_url}:lab-2025.1"
    assert config["app_image_config_name"] == "acme-nb-vpc-prod-notebook-image"
    # AND every profile offers it in JupyterLab, and Studio may read it
    for profile in synth.resources("nb-vpc", "aws_sagemaker_user_profile").values():
        assert profile["user_settings"]["jupyter_lab_app_settings"]["custom_image"] == [{
            "app_image_config_name": "${aws_sagemaker_app_image_config.notebook_image_config.app_image_config_name}",
            "image_name": "${aws_sagemaker_image.notebook_image.image_name}"}]
    assert "UseWorkspaceStudioImage" in studio_statements(synth, "nb-vpc")
    assert "aws_sagemaker_image" not in synth.configs[EXAMPLE]["resource"]


def test_values_are_valid_for_the_sagemaker_api(synth):
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    app_types = set(model.shape_for("AppType").enum)
    instance_types = set(model.shape_for("AppInstanceType").enum)
    # GIVEN every profile and space synthesized
    for workspace in synth.configs:
        for profile in synth.resources(workspace, "aws_sagemaker_user_profile").values():
            settings = profile["user_settings"]
            # THEN enum values and instance types are ones the SageMaker API model accepts
            assert set(settings["studio_web_portal_settings"]["hidden_app_types"]) <= app_types
            for app in IDLE_APPS:
                assert settings[app]["default_resource_spec"]["instance_type"] in instance_types
        for space in synth.resources(workspace, "aws_sagemaker_space").values():
            assert space["space_settings"]["app_type"] in app_types
    # AND every type the example org allows for notebooks is a Studio app instance type
    assert set(synth.contexts[EXAMPLE].guardrails.notebook_instance_types) <= instance_types


def test_names_fit_the_sagemaker_api_in_the_worst_case(synth):
    import re

    import botocore.session

    from infra.resource_names import WorkspaceNames

    model = botocore.session.get_session().get_service_model("sagemaker")

    def fits(operation: str, field: str, value: str) -> bool:
        meta = model.operation_model(operation).input_shape.members[field].metadata
        return len(value) <= meta["max"] and re.fullmatch(meta.get("pattern", ".*"), value) is not None

    # GIVEN the workspace with the longest names and a 128-character image tag
    resources = synth.configs[WORST]["resource"]
    image = next(iter(resources["aws_sagemaker_image"].values()))
    config = next(iter(resources["aws_sagemaker_app_image_config"].values()))
    version = next(iter(resources["aws_sagemaker_image_version"].values()))
    [space] = synth.resources(WORST, "aws_sagemaker_space").values()
    # THEN every name and display name is one the SageMaker API accepts
    assert fits("CreateImage", "ImageName", image["image_name"])
    assert fits("CreateImage", "DisplayName", image["display_name"])
    assert fits("CreateImage", "Description", image["description"])
    assert fits("CreateAppImageConfig", "AppImageConfigName", config["app_image_config_name"])
    assert fits("CreateSpace", "SpaceName", space["space_name"])
    assert fits("CreateSpace", "SpaceDisplayName", space["space_display_name"])
    for profile in synth.resources(WORST, "aws_sagemaker_user_profile").values():
        assert fits("CreateUserProfile", "UserProfileName", profile["user_profile_name"])
    # AND the image URI (repository URL and tag) stays within BaseImage's 255 characters
    ctx = synth.contexts[WORST]
    url = f"{ctx.account_id}.dkr.ecr.{ctx.region}.amazonaws.com/{WorkspaceNames.of(ctx).image_repository}"
    assert fits("CreateImageVersion", "BaseImage", version["base_image"].replace(
        "${aws_ecr_repository.images.repository_url}", url))


def test_outputs_name_the_domain_profiles_and_space(synth):
    outputs = synth.configs[EXAMPLE]["output"]
    # THEN scripts can find the Studio resources
    assert outputs["studio_domain_id"]["value"] == "d-a1b2c3d4e5f6"
    assert outputs["studio_shared_space"]["value"] == "acme-notebook-lab-ws-dev-team"
    assert len(outputs["studio_user_profiles"]["value"]) == 3


def test_the_audit_pack_passes_the_synthesized_notebooks_workspaces(synth):
    from provisioner.audit.config import WorkspaceFacts, config_from_dict
    from provisioner.audit.pack import run_pack
    from provisioner.audit.rules import rules_by_id

    rules = [rule for rule_id, rule in rules_by_id().items() if "PROV-040" <= rule_id <= "PROV-045"]
    assert len(rules) == 6
    for workspace, raw in synth.configs.items():
        # GIVEN the synthesized config and the workspace's facts
        config = config_from_dict(raw, workspace=WorkspaceFacts.from_context(synth.contexts[workspace]))
        # WHEN the notebook rules run
        result = run_pack(config, rules)
        # THEN nothing fails, and the Studio rules really evaluated the profiles
        assert [f"{f.rule_id} {f.address}: {f.message}" for f in result.findings] == []
        assert all(result.stats[r].passed >= 2 for r in ("PROV-040", "PROV-041", "PROV-042", "PROV-044"))


# Synth-time enforcement: the capability refuses what validation should have caught.

def with_params(ctx, **changes):
    return dataclasses.replace(ctx, parameters={**ctx.parameters, **changes})


@pytest.mark.parametrize("changes, message", [
    ({"notebooks.default_instance_type": "ml.p4d.24xlarge"}, "not in the org allowlist"),
    ({"notebooks.instance_types": ["ml.t3.medium", "ml.p4d.24xlarge"]}, "not in the org allowlist"),
    ({"notebooks.default_instance_type": "ml.m5.xlarge"}, "is not in notebooks.instance_types"),
    ({"notebooks.idle_timeout_minutes": 241}, "above max_idle_minutes 240"),
])
def test_fails_when_synth_gets_settings_outside_the_guardrails(synth, changes, message):
    from infra.capabilities.notebooks import NotebookSettings

    # GIVEN a resolved workspace whose parameters bypassed validation
    ctx = with_params(synth.contexts[EXAMPLE], **changes)
    # WHEN the capability reads its settings
    # THEN it refuses to synthesize
    with pytest.raises(ValueError, match=message):
        NotebookSettings.of(ctx)


def test_fails_when_synth_gets_a_workspace_without_domain_or_members(synth):
    from infra.capabilities.notebooks import NotebookSettings

    ctx = synth.contexts[EXAMPLE]
    # GIVEN the workspace moved to an environment without Studio, or without members
    no_domain = dataclasses.replace(ctx, env=ctx.env.model_copy(update={"studio": None}))
    no_members = dataclasses.replace(ctx, members=())
    # THEN the capability refuses both
    with pytest.raises(ValueError, match="no studio.domain_id"):
        NotebookSettings.of(no_domain)
    with pytest.raises(ValueError, match="at least one member"):
        NotebookSettings.of(no_members)


def test_idle_shutdown_refuses_a_timeout_above_its_maximum():
    from infra.constructs.studio import IdleShutdown

    # GIVEN timeouts outside SageMaker's and the org's bounds
    # THEN the construct props refuse them
    for timeout, maximum in ((300, 240), (30, 240), (90, 600000)):
        with pytest.raises(ValueError, match="idle shutdown needs"):
            IdleShutdown(timeout_minutes=timeout, max_minutes=maximum)
