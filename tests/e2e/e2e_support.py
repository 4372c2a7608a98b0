"""Helpers of the e2e tier, shared by its conftest (fixture, summary line) and its tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORG = ROOT / "examples" / "acme"
LOCAL_ENV = "sandbox"
OUTCOMES: dict[str, str] = {}  # blueprint@version -> "passed" | "failed"
STEPS_DONE: dict[str, list[str]] = {}  # blueprint@version -> the lifecycle steps it got through, in order
COUNTED_STEPS = ("plan", "apply", "replan", "destroy")  # what the tier's `e2e:` line counts
# Both SDKs (botocore, aws-sdk-go-v2 in the AWS provider) put AWS_EXECUTION_ENV in their User-Agent as
# `exec-env/<value>`, which the local cloud's log shows with each call: that is how the calls of each
# blueprint's steps are told apart although the lifecycles run side by side (coverage_evidence.py).
EXEC_ENV = "AWS_EXECUTION_ENV"
RUN_TAG = "e2e"
# The blueprint whose applied example also goes through a plan review (review_plans), and what it observed.
REVIEWED = "realtime-endpoint@1.1.0"
REVIEWS: dict[str, dict] = {}
# The blueprint whose applied example is "used" (Studio apps opened in its spaces and profiles) before its destroy.
NOTEBOOKS = "notebook-lab"


def aws_provider_build():
    """The cached build Terraform will use (the exact version, else the newest: PROVISION_AWS_PROVIDER=cache)."""
    from provisioner.engine import aws_provider

    return aws_provider.find_build(aws_provider.required_version()) or next(iter(aws_provider.cached_builds()), None)


def provider_build_problem(build) -> str | None:  # noqa: ANN001 - an aws_provider.Build
    """None when BUILD is the provider the project names: the version the bindings were generated from, or the
    commit `make aws-provider` is pinned to (PROVISION_AWS_PROVIDER_REF, else aws_provider.DEFAULT_REF); else why
    not. A stale or hand-made build would judge the constructs with another provider's schema."""
    from provisioner.engine import aws_provider

    if build.version == aws_provider.required_version():
        return None
    ref = os.environ.get(aws_provider.REF_ENV) or aws_provider.DEFAULT_REF
    pinned = ref.rsplit("-", 1)[-1].lower()  # a pseudo-version ends in the commit's first 12 hex digits
    if pinned and build.commit.lower().startswith(pinned):
        return None
    return (f"the AWS provider build {build.version} (commit {build.commit[:12]}) is neither the bindings' version "
            f"{aws_provider.required_version()} nor the pinned commit {ref}: rebuild it with `make aws-provider`")


def version_key(spec: dict) -> str:
    """`blueprint@version` of a workspace spec."""
    return str(spec["blueprint"])


def released_versions() -> set[str]:
    """Every blueprint version released (blueprints/RELEASED.sha256) or snapshotted (tests/**/snapshots/)."""
    lock = (ROOT / "blueprints" / "RELEASED.sha256").read_text().splitlines()
    found = {line.split()[1] for line in lock if line.strip() and not line.startswith("#")}
    found |= {path.stem for path in (ROOT / "tests").glob("*/snapshots/*@*.json")}
    return found


def example_per_version() -> dict[str, Path]:
    """`blueprint@version` -> one example workspace using it, for every version an example uses, preferring one
    that already runs on the local cloud (its model and images are in that account)."""
    best: dict[str, tuple[bool, Path]] = {}
    for path in sorted((EXAMPLE_ORG / "workspaces").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        key = (spec.get("environment") == LOCAL_ENV, path)
        if version_key(spec) not in best or key[0] > best[version_key(spec)][0]:
            best[version_key(spec)] = key
    only = {b for b in os.environ.get("PROVISION_E2E_BLUEPRINTS", "").split(",") if b}  # a hand run of some of them
    return {v: path for v, (_, path) in sorted(best.items())
            if not only or v in only or v.partition("@")[0] in only}


def has_monitoring_pipeline(version: str) -> bool:
    """Whether this blueprint version monitors through the pipeline engine (1.1.0 on; 1.0.0 had Model Monitor)."""
    name, _, number = version.partition("@")
    path = ROOT / "blueprints" / name / f"{number}.yaml"
    return "monitoring.engine" in (yaml.safe_load(path.read_text()).get("parameters") or {})


class LocalOrg:
    """A scratch copy of the example org whose workspaces run on its local cloud."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env

    def provision(self, *args: str, check: bool = True, timeout: float = 900, step: str | None = None
                  ) -> subprocess.CompletedProcess[str]:
        """Runs `provision ARGS`; STEP (`<blueprint>.<step>`) tags every AWS call it and its Terraform make."""
        env = self.env if step is None else {**self.env, EXEC_ENV: f"{RUN_TAG}.{step}"}
        done = subprocess.run([sys.executable, "-m", "provisioner.cli.main", *args], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            raise AssertionError(f"provision {' '.join(args)} exited {done.returncode}\n--- stdout\n{done.stdout[-4000:]}"
                                 f"\n--- stderr\n{done.stderr[-4000:]}")
        return done


def record(version: str, outcome: str) -> None:
    OUTCOMES[version] = outcome


def lifecycle(org: LocalOrg, version: str, name: str) -> None:
    """One workspace through what a platform engineer runs; raises AssertionError at the first step that fails.

    Each step is tagged `<blueprint>.<step>` (plan, apply, status, monitoring-run, replan, destroy, inventory):
    the coverage table of docs/local-cloud-extensions.md is what these steps call, per blueprint (all its
    versions together: a tag holds no dots). STEPS_DONE[version] lists the steps it got through."""
    blueprint = version.partition("@")[0]
    done = STEPS_DONE.setdefault(version, [])
    # plan, then apply that saved plan
    org.provision("plan", name, step=f"{blueprint}.plan")
    done.append("plan")
    org.provision("apply", name, "--yes", step=f"{blueprint}.apply")
    done.append("apply")
    # the live resources are there
    status = json.loads(org.provision("status", name, "--output", "json", step=f"{blueprint}.status").stdout)
    assert status["resources"], f"status of {name} shows no live resources"
    if blueprint in ("full-mlops", "realtime-endpoint") and has_monitoring_pipeline(version):
        monitoring_pipeline_runs(org, blueprint, name)
    # a second plan has nothing to do (no perpetual diff)
    again = json.loads(org.provision("plan", name, "--output", "json", step=f"{blueprint}.replan").stdout)["summary"]
    assert not again["has_changes"], f"a second plan of {name} wants changes: {json.dumps(again['changes'])[:3000]}"
    done.append("replan")
    if version == REVIEWED:
        REVIEWS[version] = review_plans(org, name, again)
    if blueprint == NOTEBOOKS:
        used_notebooks_block_a_destroy_until_their_apps_are_gone(org, blueprint, name, status["resources"])
    # destroyed, protected resources included (its Studio apps deleted first, nothing tagged left: else exit 1),
    # and the inventory finds nothing of it
    if blueprint == NOTEBOOKS:
        a_leftover_fails_the_destroy(org, blueprint, name)
    else:
        org.provision("destroy", name, "--include-protected", "--yes", step=f"{blueprint}.destroy")
    done.append("destroy")
    inventory = json.loads(org.provision("inventory", "--env", LOCAL_ENV, "--output", "json",
                                         step=f"{blueprint}.inventory").stdout)
    left = inventory["workspaces"].get(name, [])
    assert left == [], f"{name} left resources behind: {left}"


def _sandbox_client(org: LocalOrg, service: str):
    import boto3

    endpoint = json.loads(org.provision("sandbox", "status", "--output", "json").stdout)["server"]["endpoint"]
    return boto3.client(service, region_name="eu-west-1", endpoint_url=endpoint,
                        aws_access_key_id="test", aws_secret_access_key="test")


def used_notebooks_block_a_destroy_until_their_apps_are_gone(org: LocalOrg, blueprint: str, name: str,
                                                             resources: list[dict]) -> None:
    """People open the workspace's spaces (SageMaker creates a JupyterLab app in each) and a kernel in their profile.
    A destroy that may not wait (`--wait-timeout 0`) then stops before Terraform, naming the apps, and destroys
    nothing; the destroy that follows (lifecycle) deletes them and finishes."""
    sagemaker = _sandbox_client(org, "sagemaker")
    owners = [(r["type"], r["name"]) for r in resources if r["type"] in ("sagemaker:space", "sagemaker:user-profile")]
    assert any(kind == "sagemaker:space" for kind, _ in owners), f"{name} has no Studio space: {owners}"
    for kind, arn_id in owners:
        domain, _, owner = arn_id.partition("/")
        if kind == "sagemaker:space":
            sagemaker.create_app(DomainId=domain, SpaceName=owner, AppType="JupyterLab", AppName="default")
        else:
            sagemaker.create_app(DomainId=domain, UserProfileName=owner, AppType="KernelGateway", AppName="datascience")
    blocked = org.provision("destroy", name, "--include-protected", "--yes", "--wait-timeout", "0", check=False,
                            step=f"{blueprint}.destroy")
    assert blocked.returncode == 1, f"a destroy that could not delete the apps exited {blocked.returncode}: " \
                                    f"{blocked.stdout[-2000:]}{blocked.stderr[-2000:]}"
    assert "destroy blocked:" in blocked.stderr and "JupyterLab app default in space" in blocked.stderr, \
        blocked.stderr[-3000:]
    after = json.loads(org.provision("status", name, "--output", "json", step=f"{blueprint}.status").stdout)
    assert len(after["resources"]) == len(resources), \
        f"the blocked destroy of {name} destroyed something: {len(resources)} -> {len(after['resources'])} resources"
    # Someone opens the first space again meanwhile: the destroy that follows must delete that app itself.
    domain, _, space = next(arn_id for kind, arn_id in owners if kind == "sagemaker:space").partition("/")
    sagemaker.create_app(DomainId=domain, SpaceName=space, AppType="JupyterLab", AppName="reopened")


def a_leftover_fails_the_destroy(org: LocalOrg, blueprint: str, name: str) -> None:
    """The used workspace's destroy deletes the app reopened in its space, then Terraform's part finishes; a bucket
    made by hand with the workspace's tags (no Terraform state knows it) survives it: the destroy names it and
    exits 1. Removed afterwards, nothing is left."""
    s3 = _sandbox_client(org, "s3")
    bucket = f"acme-{name}-by-hand"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
        {"Key": "provision:org", "Value": "acme"}, {"Key": "provision:workspace", "Value": name},
        {"Key": "provision:environment", "Value": LOCAL_ENV}]})
    done = org.provision("destroy", name, "--include-protected", "--yes", check=False, step=f"{blueprint}.destroy")
    assert done.returncode == 1 and "left 1 resource(s) still tagged with the workspace" in done.stderr \
        and bucket in done.stderr, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "destroy complete" in done.stdout and "studio apps: all 1 deleted" in done.stderr, \
        done.stdout[-3000:] + done.stderr[-3000:]
    s3.delete_bucket(Bucket=bucket)


def monitoring_pipeline_runs(org: LocalOrg, blueprint: str, name: str) -> None:
    """The monitoring capability's pipeline engine, live: pipeline and schedule exist, and `monitoring run` starts it."""
    import boto3

    endpoint = json.loads(org.provision("sandbox", "status", "--output", "json").stdout)["server"]["endpoint"]
    clients = {service: boto3.client(service, region_name="eu-west-1", endpoint_url=endpoint,
                                     aws_access_key_id="test", aws_secret_access_key="test")
               for service in ("sagemaker", "scheduler")}
    pipeline = f"acme-{name}-{LOCAL_ENV}-monitoring"
    assert clients["sagemaker"].describe_pipeline(PipelineName=pipeline)["PipelineName"] == pipeline
    schedule = clients["scheduler"].get_schedule(Name=pipeline)
    assert schedule["Target"]["Arn"].endswith(f":pipeline/{pipeline}")
    org.provision("monitoring", "run", name, step=f"{blueprint}.monitoring-run")
    runs = clients["sagemaker"].list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"]
    assert len(runs) == 1, f"`provision monitoring run {name}` started {len(runs)} executions of {pipeline}"


def audit_formats(report_json: str) -> dict[str, str]:
    """The audit in every format, from one `provision audit --format json` run: text, md and html render that
    same report dict (provisioner.audit.render; tests/engine/test_plan_review.py runs each through the CLI)."""
    from provisioner.audit.render import render

    report = json.loads(report_json)
    return {"json": report_json, **{fmt: render(report, fmt, full_report="report.json") for fmt in ("text", "md", "html")}}


def review_plans(org: LocalOrg, name: str, converged: dict) -> dict:
    """What a reviewer reads of real provider plans of the applied workspace, for
    tests/e2e/test_plan_review_on_the_provider.py: the converged plan's drift; then, after a weight change
    (`provision endpoint weights`), a monitoring baseline moved (a policy change) and the log retention
    changed outside Terraform, the new plan's summary, `show` and every audit format. Errors are recorded,
    not raised: the blueprint's own lifecycle goes on to its destroy."""
    import time

    import boto3

    started = time.monotonic()
    plan_json = org.root / ".provision" / "plans" / name / "plan.json"
    seen: dict = {"converged": {"summary": converged,
                                "terraform_drift": len(json.loads(plan_json.read_text()).get("resource_drift") or [])}}
    try:
        org.provision("endpoint", "weights", name, "champion=50", "challenger=50")
        spec_path = org.root / "workspaces" / f"{name}.yaml"
        spec = yaml.safe_load(spec_path.read_text())
        spec["parameters"]["monitoring"]["baseline_prefix"] = "monitoring/baseline-v2"
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
        endpoint = json.loads(org.provision("sandbox", "status", "--output", "json").stdout)["server"]["endpoint"]
        logs = boto3.client("logs", region_name="eu-west-1", endpoint_url=endpoint, aws_access_key_id="test",
                            aws_secret_access_key="test")
        logs.put_retention_policy(logGroupName=f"acme-{name}-{LOCAL_ENV}-logs", retentionInDays=30)
        planned = json.loads(org.provision("plan", name, "--output", "json").stdout)
        seen["changed"] = {"plan": planned,
                           "terraform_drift": len(json.loads(plan_json.read_text()).get("resource_drift") or []),
                           "show": org.provision("show", name).stdout,
                           "show_json": json.loads(org.provision("show", name, "--output", "json").stdout),
                           "audit": audit_formats(org.provision("audit", name, "--no-checkov", "--format", "json").stdout)}
    except Exception as exc:  # noqa: BLE001 - reported by the review's tests, with the step that failed
        seen["error"] = f"{type(exc).__name__}: {exc}"
    seen["seconds"] = round(time.monotonic() - started, 1)  # what the review adds to the lifecycle (pytest -s shows it)
    print(f"e2e: plan review of {name}: {seen['seconds']} s")
    return seen


def summary_line(outcomes: dict[str, str], steps: dict[str, list[str]], provider: str | None,
                 not_run: str | None) -> str:
    """The tier's one line: how many blueprint versions went through each step, or, in capitals, that it did not run."""
    if not_run is not None:
        return f"e2e: DID NOT RUN ({not_run})"
    counts = ", ".join(f"{sum(step in done for done in steps.values())} {word}" for step, word in
                       zip(COUNTED_STEPS, ("planned", "applied", "re-planned", "destroyed")))
    failed = sorted(version for version, outcome in outcomes.items() if outcome == "failed")
    head = f"e2e: FAILED for {', '.join(failed)}; " if failed else "e2e: "
    return f"{head}{len(outcomes)} blueprint versions: {counts} (AWS provider {provider or '?'})"
