"""The e2e tier: every shipped blueprint through plan, apply and destroy on the real AWS provider.

Runs when the user cache holds an AWS provider build (`make aws-provider`); otherwise every test here
is skipped and `make test` says so in one line, `e2e: DID NOT RUN (<why>)`. The build must be the provider
the project names (the bindings' version or the pinned commit): another one fails the tier. The cloud is the
local cloud (`provision sandbox`: a moto server with provision's extensions on 127.0.0.1), reached through the
example org's `sandbox` environment (`cloud: local`). Every blueprint version an example uses (every released
one: test_every_released_blueprint_version_goes_through_apply) is taken through the lifecycle with its example
workspace moved onto that environment. Nothing here talks to AWS.
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
    EXAMPLE_ORG, LOCAL_ENV, OUTCOMES, ROOT, STEPS_DONE, LocalOrg, aws_provider_build, example_per_version,
    lifecycle, provider_build_problem, record, summary_line,
)

# Lifecycles that run at once: most of an apply is the provider waiting (S3 lifecycle rules alone take ~55 s).
JOBS = int(os.environ.get("PROVISION_E2E_JOBS", "4"))


@pytest.fixture(scope="session")
def local_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalOrg]:
    build = aws_provider_build()
    if build is None:
        pytest.skip("no AWS provider build in the user cache (make aws-provider)")
    problem = provider_build_problem(build)
    if problem:
        pytest.fail(problem, pytrace=False)
    root = tmp_path_factory.mktemp("e2e") / "acme"
    shutil.copytree(EXAMPLE_ORG, root, ignore=shutil.ignore_patterns("cdktf.out", ".provision"))
    tested = {path.name for path in example_per_version().values()}
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
    """`blueprint@version` -> "" when its example went through every step, else what failed; the lifecycles run
    side by side."""
    from concurrent.futures import ThreadPoolExecutor

    def run(version: str, name: str) -> str:
        try:
            lifecycle(local_org, version, name)
        except AssertionError as failed:
            record(version, "failed")
            return str(failed)
        record(version, "passed")
        return ""

    examples = example_per_version()
    with ThreadPoolExecutor(max_workers=max(1, JOBS)) as pool:
        futures = {version: pool.submit(run, version, path.stem) for version, path in examples.items()}
        return {version: future.result() for version, future in futures.items()}


TIER: set[str] = set()  # node ids of the e2e-marked tests collected (the tier's own, not its helpers' checks)


def pytest_itemcollected(item) -> None:  # noqa: ANN001 - pytest hook
    if item.get_closest_marker("e2e"):
        TIER.add(item.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001 - pytest hook
    """One line either way, for `make test`: what the e2e tier did."""
    def tier(report) -> bool:  # noqa: ANN001 - a test report or a deselected item
        return getattr(report, "nodeid", "") in TIER

    e2e = [r for key in ("passed", "failed", "skipped", "error") for r in terminalreporter.stats.get(key, []) if tier(r)]
    if not e2e:
        deselected = [r for r in terminalreporter.stats.get("deselected", []) if tier(r)]
        if deselected:
            terminalreporter.write_line(f"e2e: DID NOT RUN (deselected: -m {config.option.markexpr!r})")
        return
    not_run = None
    if not OUTCOMES:
        reasons = {(r.longrepr[2] if isinstance(r.longrepr, tuple) else str(r.longrepr)).removeprefix("Skipped: ")
                   for r in terminalreporter.stats.get("skipped", []) if tier(r)}
        failures = [r for key in ("failed", "error") for r in terminalreporter.stats.get(key, []) if tier(r)]
        not_run = "; ".join(sorted(reasons)) or ("the set-up failed: see the errors above" if failures else "no lifecycle ran")
    build = aws_provider_build()
    terminalreporter.write_line(summary_line(OUTCOMES, STEPS_DONE, build.version if build else None, not_run))
