"""The e2e tier: every shipped blueprint through plan, apply and destroy on the real AWS provider.

Runs when the user cache holds an AWS provider build (`make aws-provider`); otherwise every test here
is skipped and `make test` says so in one line. The cloud is the local cloud (`provision sandbox`: a
moto server with provision's extensions on 127.0.0.1), reached through the example org's `sandbox`
environment (`cloud: local`). Each blueprint's newest version is taken through the lifecycle with its
example workspace moved onto that environment. Nothing here talks to AWS.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_support import (  # noqa: E402
    EXAMPLE_ORG, LOCAL_ENV, OUTCOMES, ROOT, LocalOrg, aws_provider_build, lifecycle, newest_example_per_blueprint, record,
)

# Lifecycles that run at once: most of an apply is the provider waiting (S3 lifecycle rules alone take ~55 s).
JOBS = int(os.environ.get("PROVISION_E2E_JOBS", "4"))


@pytest.fixture(scope="session")
def local_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalOrg]:
    build = aws_provider_build()
    if build is None:
        pytest.skip("no AWS provider build (make aws-provider)")
    root = tmp_path_factory.mktemp("e2e") / "acme"
    shutil.copytree(EXAMPLE_ORG, root, ignore=shutil.ignore_patterns("cdktf.out", ".provision"))
    tested = {path.name for path in newest_example_per_blueprint().values()}
    for spec in (root / "workspaces").glob("*.yaml"):
        if spec.name not in tested:
            spec.unlink()  # the scratch org holds only the workspaces under test: one `synth --all` for them
            continue
        data = yaml.safe_load(spec.read_text())
        data["environment"] = LOCAL_ENV
        spec.write_text(yaml.safe_dump(data, sort_keys=False))
    from provisioner.engine import aws_provider

    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROVISION_OFFLINE": "1", "PROVISION_ENGINE": "embedded",
           "PROVISION_AWS_PROVIDER": "auto" if build.version == aws_provider.required_version() else "cache"}
    env.pop("PROVISION_PROVIDER_MIRROR", None)
    org = LocalOrg(root, env)
    org.provision("sandbox", "start")
    try:
        org.provision("bootstrap", LOCAL_ENV, step="org.bootstrap")  # the Studio domain notebook workspaces join
        org.provision("synth", "--all")  # one process, one jsii start for every workspace
        yield org
    finally:
        org.provision("sandbox", "stop", check=False)


@pytest.fixture(scope="session")
def lifecycles(local_org: LocalOrg) -> dict[str, str]:
    """Blueprint -> "" when its example went through every step, else what failed; the lifecycles run side by side."""
    from concurrent.futures import ThreadPoolExecutor

    def run(blueprint: str, name: str) -> str:
        try:
            lifecycle(local_org, blueprint, name)
        except AssertionError as failed:
            record(blueprint, "failed")
            return str(failed)
        record(blueprint, "passed")
        return ""

    examples = newest_example_per_blueprint()
    with ThreadPoolExecutor(max_workers=max(1, JOBS)) as pool:
        futures = {blueprint: pool.submit(run, blueprint, path.stem) for blueprint, path in examples.items()}
        return {blueprint: future.result() for blueprint, future in futures.items()}


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001 - pytest hook
    """One line either way, for `make test`: what the e2e tier did."""
    e2e = [r for key in ("passed", "failed", "skipped", "error")
           for r in terminalreporter.stats.get(key, []) if "tests/e2e/" in getattr(r, "nodeid", "")]
    if not e2e:
        return
    passed = sorted(name for name, outcome in OUTCOMES.items() if outcome == "passed")
    failed = sorted(name for name, outcome in OUTCOMES.items() if outcome == "failed")
    if failed:
        line = f"e2e: FAILED for {', '.join(failed)}; {len(passed)} blueprints planned, applied, destroyed"
    elif passed:
        build = aws_provider_build()
        line = f"e2e: {len(passed)} blueprints planned, applied, destroyed (AWS provider {build.version if build else '?'})"
    else:
        reasons = {r.longrepr[2] if isinstance(r.longrepr, tuple) else str(r.longrepr)
                   for r in terminalreporter.stats.get("skipped", []) if "tests/e2e/" in r.nodeid}
        line = f"e2e: skipped: {'; '.join(sorted(reasons)).removeprefix('Skipped: ') or 'not run'}"
    terminalreporter.write_line(line)
