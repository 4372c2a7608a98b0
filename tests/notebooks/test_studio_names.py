"""Studio names: stable, distinct per address, and valid for SageMaker (checked against botocore's API model)."""

from __future__ import annotations

import re

import pytest

from infra.studio_names import member_profile_name, shared_space_name, space_owner_profile_name


@pytest.fixture(scope="module")
def profile_name_rule() -> tuple[re.Pattern[str], int]:
    import botocore.session

    shape = botocore.session.get_session().get_service_model("sagemaker").shape_for("UserProfileName")
    return re.compile(shape.metadata["pattern"]), shape.metadata["max"]


def test_profile_names_are_pinned_for_existing_members():
    # GIVEN members of the example workspace
    # WHEN their profile names are built
    names = [member_profile_name("acme", "notebook-lab-ws", "dev", m)
             for m in ("carol@example.com", "dave.obrien@example.com", "erin@example.com")]
    # THEN they are exactly the names already deployed (a change would replace the profiles)
    assert names == ["acme-notebook-lab-ws-dev-carol-e0d47c", "acme-notebook-lab-ws-dev-dave-obrien-c85fc6",
                     "acme-notebook-lab-ws-dev-erin-405340"]
    assert shared_space_name("acme", "notebook-lab-ws", "dev") == "acme-notebook-lab-ws-dev-team"
    assert space_owner_profile_name("acme", "notebook-lab-ws", "dev") == "acme-notebook-lab-ws-dev-team-owner"


def test_profile_name_ignores_the_case_of_the_address():
    # GIVEN the same address written in two cases
    # WHEN both are named
    # THEN they get one profile name
    assert member_profile_name("acme", "lab", "dev", "Dana@Example.COM") == member_profile_name("acme", "lab", "dev", "dana@example.com")


def test_same_local_part_at_different_domains_gets_different_profiles():
    # GIVEN two people called carol at two companies
    a = member_profile_name("acme", "lab", "dev", "carol@a.example.com")
    b = member_profile_name("acme", "lab", "dev", "carol@b.example.com")
    # THEN their profiles differ but both stay readable
    assert a != b and "carol" in a and "carol" in b


@pytest.mark.parametrize("email", [
    "carol@example.com",
    "x@example.com",
    "first.middle.last+notebooks_team%2@sub.example.co.uk",
    "a" * 64 + "@example.com",
    "---@example.com",
    "____@example.com",
])
def test_profile_names_are_valid_sagemaker_names_even_for_the_longest_inputs(email, profile_name_rule):
    # GIVEN the longest org (12), workspace (32) and environment (10) names the models allow
    pattern, max_length = profile_name_rule
    for org, workspace, env in (("acme", "lab", "dev"), ("o" * 12, "w" * 32, "e" * 10)):
        # WHEN a profile, the space and its owner are named
        for name in (member_profile_name(org, workspace, env, email), shared_space_name(org, workspace, env),
                     space_owner_profile_name(org, workspace, env)):
            # THEN each matches SageMaker's UserProfileName/SpaceName pattern and length
            assert len(name) <= max_length and pattern.fullmatch(name), name


def test_long_names_stay_distinct_after_truncation():
    # GIVEN two long addresses that differ only at the end, in the longest workspace name
    org, workspace, env = "o" * 12, "w" * 32, "e" * 10
    a = member_profile_name(org, workspace, env, "averyveryverylongname.a@example.com")
    b = member_profile_name(org, workspace, env, "averyveryverylongname.b@example.com")
    # THEN the names are cut to 63 characters and still differ
    assert len(a) <= 63 and len(b) <= 63 and a != b
