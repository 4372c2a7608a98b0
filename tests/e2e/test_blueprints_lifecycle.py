"""Every shipped blueprint, planned, applied, checked and destroyed with the real AWS provider on the local cloud.

The provider is the judge: a plan it refuses, an apply that fails or a second plan that is not empty
is a defect in our constructs. Each step is the command a platform engineer runs. The blueprints'
lifecycles run side by side (conftest.py: `lifecycles`); each test reports its blueprint's.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from e2e_support import example_per_version, released_versions

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.moto]

EXAMPLES = example_per_version()


@pytest.mark.parametrize("version", sorted(EXAMPLES))
def test_blueprint_plans_applies_converges_and_destroys_without_leftovers(version: str, lifecycles):
    # GIVEN the example workspace of this blueprint version on the local cloud
    # WHEN it is planned, applied, checked, planned again, destroyed and looked for (e2e_support.lifecycle)
    failure = lifecycles[version]
    # THEN every step passed: no plan or apply error, no change on the second plan, nothing left behind
    if failure:
        pytest.fail(failure, pytrace=False)


def test_every_released_blueprint_version_goes_through_apply(lifecycles):
    # GIVEN every blueprint version released or snapshotted (a user's workspace may still be on any of them)
    # WHEN the tier's lifecycles ran  THEN each of them had an example taken through apply
    if os.environ.get("PROVISION_E2E_BLUEPRINTS"):
        pytest.skip("a hand run of some blueprints (PROVISION_E2E_BLUEPRINTS)")
    assert sorted(released_versions() - set(lifecycles)) == [], "give these versions an example under examples/acme"


def test_a_local_cloud_stack_run_by_hand_without_provisions_environment_stops_before_any_call(
        local_org, lifecycles):
    """docs/decisions/0003: a local-cloud stack run by hand with someone's own AWS identity and without
    provision's environment must not reach AWS. Without the endpoint variable Terraform stops at once;
    with it, every https (AWS) endpoint goes to the sandbox as a proxy, which refuses it
    (tests/localcloud/test_sandbox.py)."""
    name = next(iter(EXAMPLES.values())).stem  # every workspace of the scratch org is on the local cloud (conftest)
    stack = local_org.root / "cdktf.out" / "stacks" / name
    assert (stack / ".terraform" / "providers").is_dir(), f"{name} was never initialized: see its lifecycle"
    # GIVEN the initialized stack folder of a local-cloud workspace and a shell with a real-looking identity
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "TF_VAR_"))}
    env.update({"AWS_ACCESS_KEY_ID": "AKIAREALEXPORTEDKEY1", "AWS_SECRET_ACCESS_KEY": "exportedsecretexported",
                "AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true", "CHECKPOINT_DISABLE": "1",
                "PYTHONPATH": local_org.env["PYTHONPATH"]})
    # WHEN Terraform plans it by hand there (no provision: no lock, nothing saved)
    done = subprocess.run([sys.executable, "-m", "provisioner.engine.embedded", "plan", "-input=false",
                           "-no-color", "-lock=false"], cwd=stack, env=env, capture_output=True, text=True, timeout=600)
    # THEN it stops, naming the variable provision would have set
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "No value for required variable" in done.stderr and "local_cloud_endpoint" in done.stderr, done.stderr[-3000:]



def test_the_coverage_table_lists_every_call_the_lifecycles_made(local_org, lifecycles):
    """docs/local-cloud-extensions.md and `provision sandbox coverage` say what the local cloud emulates, from
    provisioner/data/local-cloud-coverage.json; an operation a lifecycle calls that it does not list makes it
    wrong. `PROVISION_RECORD_COVERAGE=1` records this run instead (tests/coverage_evidence.py)."""
    import coverage_evidence

    # (calls are tagged per blueprint, all its versions together: a blueprint counts once all of them passed)
    passed = ({version.partition("@")[0] for version in lifecycles}
              - {version.partition("@")[0] for version, failure in lifecycles.items() if failure})
    # GIVEN the sandbox log of the lifecycles that passed (each call tagged with its blueprint and step)
    log = (local_org.root / ".provision" / "sandbox" / "server.log").read_text()
    now = coverage_evidence.recorded(coverage_evidence.parse_log(log), passed)
    assert now["blueprints"], "the sandbox log names no provider call of any lifecycle: is the e2e tagging lost?"
    if os.environ.get("PROVISION_RECORD_COVERAGE") == "1":
        from e2e_support import aws_provider_build

        build = aws_provider_build()
        coverage_evidence.write(coverage_evidence.build(now, build.version if build else None))
        return
    # WHEN it is compared with the recorded coverage
    missing = coverage_evidence.unrecorded(coverage_evidence.current(), now)
    # THEN every operation called is listed (else: record again, and read what changed)
    assert missing == [], ("calls the coverage table does not list (record them: PROVISION_RECORD_COVERAGE=1 "
                           f"pytest -m e2e tests/e2e): {missing}")
