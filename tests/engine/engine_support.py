"""Helpers for the engine tests: the offline provider mirror, null-provider stacks, and a null synth.

The AWS provider cannot be downloaded on these machines, so the engine tests
run real Terraform (the embedded engine) on stacks of `null_resource`s, with
the `null` provider 2.1.2 from a filesystem mirror built by
scripts/provider_mirror.py. Importable both by pytest and by the CLI driver
script, which runs in a subprocess (so: absolute imports only).
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIRROR_DIR = PROJECT_ROOT / ".build" / "providers"
NULL_PROVIDER = {"null": {"source": "hashicorp/null", "version": "2.1.2"}}
SLOW_ENV = "ENGINE_TEST_SLOW_SECONDS"  # read by null_synthesize only (test helper, not the product)
GATE_ENV = "ENGINE_TEST_GATE_DIR"  # null_synthesize: the slow resource waits at this Gate instead of sleeping

# A workspace with local state in an AWS environment (`trial`, added by `add_trial_environment`): the engine
# tests run Terraform on it without a local cloud (the example org's sandbox is one, and needs it running).
SANDBOX_SPEC = """\
name: lab
blueprint: gpu-training@1.0.0
environment: trial
owner: alice@example.com
team: growth
tags: {cost-center: cc-1234}
parameters:
  training:
    max_instances: 2
"""


TRIAL_ENVIRONMENT = """\
  trial:
    account_id: "111111111111"
    region: eu-west-1
    state:
      backend: local
"""


def add_trial_environment(org_root: Path) -> None:
    """Add environment `trial` (an AWS account, local state) to the org's provision.yaml."""
    config = org_root / "provision.yaml"
    config.write_text(config.read_text().replace("required_tags:", TRIAL_ENVIRONMENT + "required_tags:", 1))


def ensure_provider_mirror() -> Path:
    """Build the null-provider mirror if missing (idempotent, safe under concurrency)."""
    spec = importlib.util.spec_from_file_location("provider_mirror", PROJECT_ROOT / "scripts" / "provider_mirror.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ensure_mirror(MIRROR_DIR)


class Gate:
    """Holds a resource's creation until the test opens it: synchronization by events, not by how long a sleep is.

    The resource's local-exec marks `started` (the apply is running and holds its lock), then waits for `open`;
    it gives up, failing the resource, after HOLD_SECONDS so that a test that never opens it fails instead of
    hanging. Shell builtins only, plus `sleep` (some engine tests run with a PATH of `sh` and `sleep` alone)."""

    HOLD_SECONDS = 60

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.started, self.opened = folder / "started", folder / "open"

    def command(self) -> str:
        polls = self.HOLD_SECONDS * 20
        return (f": > '{self.started}'; i=0; while [ ! -e '{self.opened}' ] && [ $i -lt {polls} ]; "
                f"do sleep 0.05; i=$((i+1)); done; [ -e '{self.opened}' ]")

    def wait_started(self, timeout: float = 60) -> None:
        """Returns once the resource is being created (polling with a deadline); fails the test after TIMEOUT."""
        import time

        deadline = time.monotonic() + timeout
        while not self.started.exists():
            assert time.monotonic() < deadline, f"the gated resource did not start within {timeout} s"
            time.sleep(0.02)

    def open(self) -> None:
        self.opened.touch()


def null_resource(triggers: dict[str, str] | None = None, *, sleep: float | None = None, fail: bool = False,
                  protected: bool = False, depends_on: list[str] | None = None, gate: Gate | None = None
                  ) -> dict[str, Any]:
    body: dict[str, Any] = {"triggers": dict(triggers or {"v": "1"})}
    if sleep is not None:
        body["provisioner"] = [{"local-exec": {"command": f"sleep {sleep}"}}]
    if gate is not None:
        body["provisioner"] = [{"local-exec": {"command": gate.command()}}]
    if fail:
        body["provisioner"] = [{"local-exec": {"command": "echo 'boom: this resource fails on purpose' >&2; exit 1"}}]
    if protected:
        body["lifecycle"] = {"prevent_destroy": True}
    if depends_on:
        body["depends_on"] = list(depends_on)
    return body


def local_backend(path: str) -> dict[str, Any]:
    return {"local": {"path": path}}


def s3_backend(endpoint: str, bucket: str, key: str, region: str = "eu-west-1") -> dict[str, Any]:
    """The S3 backend as infra/workspace_stack.py writes it for an environment with `state.endpoint`."""
    return {"s3": {
        "bucket": bucket, "key": key, "region": region, "encrypt": True, "use_lockfile": True,
        "endpoints": {"s3": endpoint}, "use_path_style": True, "skip_credentials_validation": True,
        "skip_requesting_account_id": True, "skip_region_validation": True, "skip_metadata_api_check": True,
    }}


def write_stack(folder: Path, resources: dict[str, dict[str, Any]], *, backend: dict[str, Any],
                outputs: dict[str, Any] | None = None, variables: dict[str, Any] | None = None) -> Path:
    """Write `folder/cdk.tf.json`: `resources` maps a null_resource name to its body."""
    config: dict[str, Any] = {
        "terraform": {"required_providers": NULL_PROVIDER, "backend": backend},
        "resource": {"null_resource": resources},
    }
    if outputs:
        config["output"] = outputs
    if variables:
        config["variable"] = variables
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cdk.tf.json"
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return path


def make_lifecycle(provision_dir: Path, engine: Any):
    """The engine objects exactly as provisioner/cli/lifecycle.py builds them."""
    from provisioner.engine.bundle import PlanStore
    from provisioner.engine.cliconfig import prepare
    from provisioner.engine.operations import Lifecycle
    from provisioner.engine.runner import Runner

    return Lifecycle(Runner(engine, prepare(provision_dir / "engine")), PlanStore(provision_dir / "plans"),
                     logs_dir=provision_dir / "logs", rescue_dir=provision_dir / "rescue")


def null_synthesize(contexts: list, out_dir: Path, *, state_root: Path,
                    force: bool = False) -> list:
    """Stands in for provisioner.synthesis.synth.synthesize: the same contract, a null-provider stack per workspace.

    The workspace's parameters and tags become triggers, so changing the spec changes the config, and
    the backend is derived from the environment's state settings the way infra/workspace_stack.py does.
    """
    from provisioner.synthesis.synth import SynthResult, local_state_path, stack_dir

    out_dir = Path(out_dir).resolve()
    results = []
    for ctx in contexts:
        state = ctx.env.state
        if state.backend == "local":
            backend = local_backend(local_state_path(state_root, out_dir, ctx.name))
        else:
            backend = s3_backend(state.endpoint, state.bucket, ctx.state_key, state.region or ctx.region)
        triggers = {key: json.dumps(value, sort_keys=True) for key, value in sorted(ctx.parameters.items())}
        slow, gate = os.environ.get(SLOW_ENV), os.environ.get(GATE_ENV)
        resources = {
            "artifacts": null_resource({"blueprint": ctx.blueprint.ref}, protected=True),
            "parameters": null_resource(triggers, depends_on=["null_resource.artifacts"]),
            "tags": null_resource({k: v for k, v in ctx.tags.items()}),
        }
        if slow or gate:
            resources["slow"] = null_resource({"v": "1"}, sleep=None if gate else float(slow),
                                              gate=Gate(Path(gate)) if gate else None, depends_on=["null_resource.tags"])
            resources["after_slow"] = null_resource({"v": "1"}, depends_on=["null_resource.slow"])
        folder = stack_dir(out_dir, ctx.name)
        write_stack(folder, resources, backend=backend,
                    outputs={"owner": {"value": ctx.owner}, "token": {"value": "tok-" + "s3cr3t", "sensitive": True}})
        results.append(SynthResult(ctx.name, folder, len(resources), False, ()))
    return results
