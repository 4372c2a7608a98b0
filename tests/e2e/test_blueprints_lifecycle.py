"""Every shipped blueprint, planned, applied, checked and destroyed with the real AWS provider on the local cloud.

The provider is the judge: a plan it refuses, an apply that fails or a second plan that is not empty
is a defect in our constructs. Each step is the command a platform engineer runs.
"""

from __future__ import annotations

import json

import pytest

from e2e_support import newest_example_per_blueprint, record

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.moto]

EXAMPLES = newest_example_per_blueprint()


@pytest.mark.parametrize("blueprint", sorted(EXAMPLES))
def test_blueprint_plans_applies_converges_and_destroys_without_leftovers(blueprint: str, local_org):
    name = EXAMPLES[blueprint].stem
    try:
        # GIVEN the blueprint's example workspace on the local cloud
        # WHEN it is planned and that saved plan applied
        local_org.provision("plan", name)
        local_org.provision("apply", name, "--yes")
        # THEN the live resources are there
        status = json.loads(local_org.provision("status", name, "--output", "json").stdout)
        assert status["resources"], f"status of {name} shows no live resources"
        if blueprint == "full-mlops":
            _monitoring_pipeline_runs(local_org, name)
        # AND a second plan has nothing to do (no perpetual diff)
        again = json.loads(local_org.provision("plan", name, "--output", "json").stdout)["summary"]
        assert not again["has_changes"], f"a second plan of {name} wants changes: {json.dumps(again['changes'])[:3000]}"
        # WHEN it is destroyed, protected resources included
        local_org.provision("destroy", name, "--include-protected", "--yes")
        # THEN the inventory finds nothing of it
        inventory = json.loads(local_org.provision("inventory", "--output", "json").stdout)
        left = inventory["workspaces"].get(name, [])
        assert left == [], f"{name} left resources behind: {left}"
    except BaseException:
        record(blueprint, "failed")
        raise
    record(blueprint, "passed")


def _monitoring_pipeline_runs(local_org, name: str) -> None:
    """The monitoring capability's pipeline engine, live: pipeline and schedule exist, and `monitoring run` starts it."""
    import boto3

    endpoint = json.loads(local_org.provision("sandbox", "status", "--output", "json").stdout)["server"]["endpoint"]
    clients = {service: boto3.client(service, region_name="eu-west-1", endpoint_url=endpoint,
                                     aws_access_key_id="test", aws_secret_access_key="test")
               for service in ("sagemaker", "scheduler")}
    pipeline = f"acme-{name}-sandbox-monitoring"
    assert clients["sagemaker"].describe_pipeline(PipelineName=pipeline)["PipelineName"] == pipeline
    schedule = clients["scheduler"].get_schedule(Name=pipeline)
    assert schedule["Target"]["Arn"].endswith(f":pipeline/{pipeline}")
    local_org.provision("monitoring", "run", name)
    runs = clients["sagemaker"].list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"]
    assert len(runs) == 1
