"""checkov as a second opinion: a separate tool, offline, its findings merged with their CKV ids.

These tests run the real checkov the tool finds (PROVISION_CHECKOV, the user cache of `provision doctor --fix`,
.tools/checkov-venv of `make setup`, PATH); they are skipped, with that reason in capitals, where none is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audit_fixtures import FIXTURES
from provisioner.audit.checkov import _environment, command, find_checkov, run_checkov
from provisioner.audit.config import load_config
from provisioner.audit.runner import run_audit

CHECKOV = find_checkov()
needs_checkov = pytest.mark.skipif(CHECKOV is None, reason="CHECKOV NOT INSTALLED: run `make setup` "
                                                                    "or `provision doctor --fix`")


@pytest.fixture(scope="module")
def ecr_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("ecr") / "cdk.tf.json"
    shutil.copy(FIXTURES / "PROV-024" / "fail.json", target)
    return target


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One checkov cache for the module: checkov takes several seconds per run on a busy 2-core machine."""
    return tmp_path_factory.mktemp("checkov-cache")


@needs_checkov
def test_checkov_findings_come_back_with_ckv_ids_and_terraform_addresses(ecr_config: Path, cache: Path):
    # GIVEN a config with two ECR repositories without KMS, scanning or immutable tags
    config = load_config(ecr_config)
    # WHEN checkov scans it
    run = run_checkov(ecr_config, config, cache_dir=cache)
    # THEN its failures are findings with CKV ids on Terraform addresses of the config
    assert run.status == "ok" and run.version == "3.3.30"
    failed = {(f.rule_id, f.address) for f in run.findings}
    assert ("CKV_AWS_51", "aws_ecr_repository.default") in failed  # mutable tags
    assert ("CKV_AWS_136", "aws_ecr_repository.mutable") in failed  # not KMS-encrypted
    assert all(f.tool == "checkov" and f.level == "error" and config.get(f.address) for f in run.findings)
    # AND a second run of the same config is served from the cache
    again = run_checkov(ecr_config, config, cache_dir=cache)
    assert again.cached and {(f.rule_id, f.address) for f in again.findings} == failed


def _network_namespace() -> list[str] | None:
    """A command prefix that runs a program with no network: a user namespace (any user, `unshare -rn`), else a
    plain network namespace (root, `unshare -n`); None where the kernel allows neither."""
    if shutil.which("unshare") is None:
        return None
    for prefix in (["unshare", "-rn"], ["unshare", "-n"]):
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return None


class _CountingProxy:
    """A proxy on 127.0.0.1 that counts each connection and closes it unanswered: where no namespace can be had,
    every HTTP(S) request checkov makes through its proxy settings lands here and is counted."""

    def __init__(self) -> None:
        import socket
        import threading

        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._server.close()


@needs_checkov
def test_checkov_runs_without_any_network(ecr_config: Path):
    """Runs checkov exactly as the bridge does, inside a network namespace whose only interface, loopback, is down:
    if checkov needed the network (a download, a version check), it would fail or hang here. Without namespaces
    (a kernel that forbids user namespaces), its proxy settings point at a counting proxy that must see nothing."""
    # GIVEN no network at all (or, failing that, every proxied request counted)
    prefix, proxy, env = _network_namespace(), None, _environment()
    if prefix is None:
        proxy = _CountingProxy()
        env.update({key: proxy.url for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")})
    # WHEN checkov runs with the bridge's command line and environment
    try:
        proc = subprocess.run([*(prefix or []), *command(CHECKOV, ecr_config, "terraform_json")],
                              capture_output=True, text=True, env=env, timeout=300)
    finally:
        if proxy is not None:
            proxy.close()
    # THEN it completes and reports the same checks, having asked nothing of the network
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    output = json.loads(proc.stdout)
    assert output["summary"]["failed"] > 0 and output["summary"]["checkov_version"] == "3.3.30"
    assert proxy is None or proxy.connections == 0


def test_missing_checkov_is_reported_with_the_install_step_and_the_pack_still_runs(ecr_config: Path, tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch):
    # GIVEN no checkov installed
    monkeypatch.setenv("PROVISION_CHECKOV", str(tmp_path / "missing" / "checkov"))
    # WHEN the audit runs
    result = run_audit(ecr_config)
    # THEN checkov is "missing" with the install hint, and the built-in pack's findings are all there
    assert result.checkov[0].status == "missing" and "provision doctor --fix" in result.checkov[0].message
    assert {"PROV-022", "PROV-023", "PROV-024"} <= {f.rule_id for f in result.findings}
    assert not any(f.tool == "checkov" for f in result.findings)


@needs_checkov
def test_checkov_and_pack_findings_merge_into_one_list(ecr_config: Path, cache: Path):
    # GIVEN the ECR config
    # WHEN the full audit runs
    result = run_audit(ecr_config, cache_dir=cache)
    tools = {f.tool for f in result.findings}
    # THEN findings of both tools are in one list, each unsuppressed error blocks
    assert tools == {"provision", "checkov"}
    assert any(f.rule_id.startswith("CKV_") and f.blocking for f in result.findings)


def test_checkov_environment_points_every_proxy_at_a_closed_local_port():
    # GIVEN the environment the bridge gives checkov
    env = _environment()
    # THEN any HTTP(S) attempt goes to 127.0.0.1 and fails there, and no API key leaks in
    assert env["HTTPS_PROXY"] == env["HTTP_PROXY"] == "http://127.0.0.1:9"
    assert env["NO_PROXY"] == "" and "BC_API_KEY" not in env
    assert "--skip-download" in command(Path("checkov"), Path("x.json"), "terraform_json")


@needs_checkov
def test_config_and_plan_findings_merge_with_both_sources(tmp_path: Path, cache: Path):
    # GIVEN a config and a saved plan (terraform show -json) of the same mutable, unscanned repository
    config = tmp_path / "cdk.tf.json"
    shutil.copy(FIXTURES / "scenarios" / "ecr.json", config)
    # WHEN audited with the plan: the pack and checkov (terraform_json and terraform_plan) run on both views
    result = run_audit(config, plan_path=FIXTURES / "scenarios" / "ecr.plan.json", cache_dir=cache)
    by_key = {(f.rule_id, f.address): f for f in result.findings}
    # THEN each finding appears once, naming both sources, for our rules and checkov's alike
    assert [r.framework for r in result.checkov] == ["terraform_json", "terraform_plan"]
    assert by_key[("PROV-024", "aws_ecr_repository.images")].sources == ("config", "plan")
    assert by_key[("CKV_AWS_51", "aws_ecr_repository.images")].sources == ("config", "plan")
