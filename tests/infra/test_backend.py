"""State backends and the provider: one state per workspace, encrypted and locked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from infra_helpers import with_state


@pytest.mark.parametrize("name", ["churn-model", "fraud-detector"])
def test_s3_backend_encrypts_locks_and_keys_state_per_workspace(configs, example_org, name):
    # GIVEN a workspace in an environment with S3 state
    ctx = example_org.contexts[name]
    # WHEN its backend block is read
    backend = configs[name]["terraform"]["backend"]
    # THEN it is the environment's bucket, a key of its own, encryption and S3-native locking, reached as the
    # environment's deploy role (the example org's dev and prod have one), nothing else
    assert backend == {"s3": {
        "bucket": ctx.env.state.bucket,
        "key": f"{ctx.env.state.key_prefix}/{name}/terraform.tfstate",
        "region": ctx.region,
        "encrypt": True,
        "use_lockfile": True,
        "assume_role": {"role_arn": ctx.env.deploy_role_arn, "session_name": f"provision-{name}"},
    }}


def test_every_workspace_has_its_own_state_key(configs):
    # GIVEN every synthesized workspace with S3 state
    keys = [c["terraform"]["backend"]["s3"]["key"] for c in configs.values() if "s3" in c["terraform"]["backend"]]
    # THEN no two share a state
    assert len(keys) == len(set(keys)) >= 2


def test_local_backend_state_lives_outside_the_synth_output(synthesized, configs):
    # GIVEN the sandbox workspace (local state) synthesized into cdktf.out
    backend = configs["sandbox-trial"]["terraform"]["backend"]
    # WHEN the relative state path is resolved from the stack folder
    stack_dir = synthesized.results["sandbox-trial"].stack_dir
    state_file = (stack_dir / backend["local"]["path"]).resolve()
    # THEN it points into the state root, not into the output folder that synth replaces
    assert set(backend) == {"local"}
    assert state_file == synthesized.state_root / "sandbox-trial" / "terraform.tfstate"
    assert not state_file.is_relative_to(synthesized.out_dir)
    assert not Path(backend["local"]["path"]).is_absolute()


def test_s3_backend_endpoint_settings_appear_only_with_an_endpoint(example_org, synth_stack):
    # GIVEN a workspace whose environment stores state in an S3-compatible endpoint in another region
    ctx = with_state(example_org.contexts["churn-model"], endpoint="http://127.0.0.1:9000", region="eu-central-1")
    # WHEN it is synthesized
    backend = synth_stack(ctx)["terraform"]["backend"]["s3"]
    # THEN the endpoint, path-style addressing and the emulator skips are set, with the state region
    assert backend["endpoints"] == {"s3": "http://127.0.0.1:9000"}
    assert backend["use_path_style"] is True
    assert backend["skip_credentials_validation"] is True and backend["skip_requesting_account_id"] is True
    assert backend["region"] == "eu-central-1"
    assert backend["encrypt"] is True and backend["use_lockfile"] is True


def test_remote_backend_uses_one_hcp_terraform_workspace_per_workspace_and_no_token(example_org, synth_stack):
    # GIVEN a workspace whose environment keeps state in HCP Terraform
    ctx = with_state(example_org.contexts["churn-model"], backend="remote", organization="acme-platform")
    # WHEN it is synthesized
    terraform = synth_stack(ctx)["terraform"]
    # THEN the cloud block names the organization and the workspace's own HCP workspace, without credentials
    assert terraform["cloud"] == {"hostname": "app.terraform.io", "organization": "acme-platform",
                                  "workspaces": {"name": "acme-churn-model-dev"}}
    assert "backend" not in terraform and "token" not in str(terraform)


def test_fails_when_a_local_backend_has_no_state_path(example_org, synth_stack):
    # GIVEN the sandbox workspace (local state)
    ctx = example_org.contexts["sandbox-trial"]
    # WHEN the stack is built without a state path  THEN it refuses (the default would sit in the output folder)
    with pytest.raises(ValueError, match="local_state_path"):
        synth_stack(ctx)


def test_provider_is_pinned_to_the_environment_account_and_region(configs, example_org):
    # GIVEN every synthesized workspace of a real AWS environment
    real = {name: config for name, config in configs.items() if not example_org.contexts[name].env.is_local}
    assert len(real) >= 3
    for name, config in real.items():
        ctx = example_org.contexts[name]
        # THEN the AWS provider refuses any other account and uses the environment's region, nothing else
        # (no endpoints, skips or Terraform variables of the local cloud)
        assert config["provider"]["aws"] == [{"region": ctx.region, "allowed_account_ids": [ctx.account_id],
                                              "assume_role": [{"role_arn": ctx.env.deploy_role_arn,
                                                               "session_name": f"provision-{name}"}]}]
        assert "variable" not in config


def test_provider_and_backend_assume_each_environment_deploy_role(example_org, synth_stack):
    # GIVEN dev and prod with their own deploy roles (prod's with an external id)
    roles = {"churn-model": ("arn:aws:iam::111111111111:role/acme-deploy", None),
             "fraud-detector": ("arn:aws:iam::222222222222:role/acme-deploy", "acme-ci")}
    for name, (role, external_id) in roles.items():
        base = example_org.contexts[name]
        env = base.env.model_copy(update={"deploy_role_arn": role, "external_id": external_id})
        # WHEN each workspace is synthesized
        config = synth_stack(dataclasses.replace(base, env=env))
        # THEN its provider and its state backend both assume its environment's role, and only that one
        expected = {"role_arn": role, "session_name": f"provision-{name}",
                    **({"external_id": external_id} if external_id else {})}
        assert config["provider"]["aws"][0]["assume_role"] == [expected]
        assert config["provider"]["aws"][0]["allowed_account_ids"] == [base.account_id]
        assert config["terraform"]["backend"]["s3"]["assume_role"] == expected
