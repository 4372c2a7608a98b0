"""Synthesizes workspaces into Terraform JSON, one stack and one state each.

All workspaces of a run share one cdktn App in one process: the jsii runtime
costs ~3 s and ~0.9 GiB to start, so it is paid once. Output is written to a
temporary folder and moved into place per workspace, so a failed run leaves
the previous output untouched. A content hash of everything that feeds a
workspace's config lets an unchanged workspace skip synth without starting jsii.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from provisioner.models.resolved import WorkspaceContext

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INFRA_DIR = PROJECT_ROOT / "infra"
SYNTH_META = "provision-synth.json"
TARGET_VERSIONS = {"terraform": ">=1.10.0", "opentofu": ">=1.10.0"}


@dataclass(frozen=True)
class SynthResult:
    name: str
    stack_dir: Path
    resources: int
    reused: bool
    notes: tuple[str, ...] = ()

    @property
    def config_path(self) -> Path:
        return self.stack_dir / "cdk.tf.json"


Plan = tuple[WorkspaceContext, str, "str | None"]  # (workspace, inputs hash, local state path)


@lru_cache(maxsize=1)
def _tool_fingerprint() -> str:
    """The CDK layer's own code and the versions of the tool and its CDK packages."""
    digest = hashlib.sha256()
    for path in sorted(INFRA_DIR.rglob("*.py")):
        digest.update(path.relative_to(INFRA_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    from importlib.metadata import PackageNotFoundError, version

    for package in ("provision", "cdktn", "cdktn-provider-aws"):
        try:
            digest.update(f"{package}=={version(package)}".encode())
        except PackageNotFoundError:
            pass
    return digest.hexdigest()


def _context_fingerprint(ctx: WorkspaceContext) -> str:
    """What the CDK layer reads from a resolved workspace (not where its files live)."""
    data = {
        "org": ctx.org, "name": ctx.name, "environment": ctx.environment, "env": ctx.env.model_dump(mode="json"),
        "blueprint": ctx.blueprint.model_dump(mode="json"), "owner": ctx.owner, "team": ctx.team, "tags": ctx.tags,
        "parameters": ctx.parameters, "guardrails": ctx.guardrails.model_dump(mode="json"),
        "members": list(ctx.members), "expires": str(ctx.expires),
    }
    return json.dumps(data, sort_keys=True, default=str)


def inputs_hash(ctx: WorkspaceContext, local_state: str | None) -> str:
    """Everything that feeds a workspace's synthesized config, hashed: the spec, its blueprint version and
    the org config (as resolved), where local state lives, and the tool itself. Nothing else."""
    digest = hashlib.sha256()
    digest.update(_context_fingerprint(ctx).encode())
    digest.update(b"|" + (local_state or "").encode())
    digest.update(b"|" + _tool_fingerprint().encode())
    return digest.hexdigest()


def stack_dir(out_dir: Path, name: str) -> Path:
    return out_dir / "stacks" / name


def local_state_path(state_root: Path, out_dir: Path, name: str) -> str:
    """Local state lives outside the synth output (which is replaced on every synth)."""
    target = state_root / name / "terraform.tfstate"
    return os.path.relpath(target, stack_dir(out_dir, name))


def count_resources(config: dict) -> int:
    return sum(len(items) for items in config.get("resource", {}).values())


def _read_meta(folder: Path) -> dict:
    try:
        return json.loads((folder / SYNTH_META).read_text())
    except (OSError, ValueError):
        return {}


def synthesize(
    contexts: list[WorkspaceContext],
    out_dir: Path,
    *,
    state_root: Path,
    force: bool = False,
) -> list[SynthResult]:
    """Synthesize the given workspaces into `out_dir/stacks/<name>/cdk.tf.json`."""
    out_dir = out_dir.resolve()
    plans: list[Plan] = []
    results: dict[str, SynthResult] = {}
    for ctx in contexts:
        local = local_state_path(state_root, out_dir, ctx.name) if ctx.env.state.backend == "local" else None
        digest = inputs_hash(ctx, local)
        folder = stack_dir(out_dir, ctx.name)
        meta = _read_meta(folder)
        if not force and meta.get("inputs_hash") == digest and (folder / "cdk.tf.json").is_file():
            results[ctx.name] = SynthResult(ctx.name, folder, meta.get("resources", 0), True, tuple(meta.get("notes", [])))
        else:
            plans.append((ctx, digest, local))
    if plans:
        results.update(_synthesize_fresh(plans, out_dir))
    return [results[ctx.name] for ctx in contexts]



# Below this many workspaces one process is fastest: every extra worker pays the ~5 s jsii start.
PARALLEL_MIN = 24


def synth_workers(count: int) -> int:
    """How many processes synthesize `count` workspaces (PROVISION_SYNTH_WORKERS overrides)."""
    configured = os.environ.get("PROVISION_SYNTH_WORKERS")
    if configured and configured.isdigit() and int(configured) >= 1:
        return min(int(configured), count)
    if count < PARALLEL_MIN:
        return 1
    # One per core, at most two: each worker holds its own ~1 GiB jsii runtime.
    return max(1, min(os.cpu_count() or 1, 2))


def _synthesize_fresh(plans: list[Plan], out_dir: Path) -> dict[str, SynthResult]:
    """Synthesize into a temporary folder (in one process, or split over worker processes), then move
    each workspace into place only once every workspace synthesized: a failure leaves the old output."""
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = synth_workers(len(plans))
    with tempfile.TemporaryDirectory(prefix=".synth-", dir=out_dir) as tmp:
        if workers == 1:
            produced = produce(plans, Path(tmp) / "0")
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            chunks = [plans[index::workers] for index in range(workers)]
            produced = {}
            context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited jsii state
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [pool.submit(produce, chunk, Path(tmp) / str(index)) for index, chunk in enumerate(chunks)]
                for future in futures:
                    produced.update(future.result())
        return {name: _move_into_place(folder, out_dir, name, meta) for name, (folder, meta) in produced.items()}


def produce(plans: list[Plan], tmp: Path) -> dict[str, tuple[Path, dict]]:
    """Build every workspace's stack in one cdktn App and synthesize it into `tmp` (runs in a worker too)."""
    from provisioner.node import ensure_node

    ensure_node()
    from cdktn import App

    from infra.sdk_defaults import sdk_defaults
    from infra.workspace_stack import WorkspaceStack

    app = App(outdir=str(tmp), context={"targetVersions": TARGET_VERSIONS})
    stacks = {ctx.name: WorkspaceStack(app, ctx, local_state_path=local) for ctx, _, local in plans}
    app.synth()
    produced = {}
    for ctx, digest, _ in plans:
        folder = stack_dir(tmp, ctx.name)
        config = json.loads((folder / "cdk.tf.json").read_text())
        (folder / "sagemaker-defaults.yaml").write_text(_dump_yaml(sdk_defaults(ctx)))
        meta = {"inputs_hash": digest, "resources": count_resources(config), "notes": list(stacks[ctx.name].notes),
                "blueprint": ctx.blueprint.ref}
        (folder / SYNTH_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        produced[ctx.name] = (folder, meta)
    return produced


def _move_into_place(produced: Path, out_dir: Path, name: str, meta: dict) -> SynthResult:
    final = stack_dir(out_dir, name)
    final.parent.mkdir(parents=True, exist_ok=True)
    # Keep Terraform's working files (.terraform, lock file) and any state Terraform could not
    # save (errored.tfstate) across synths: losing them loses state.
    for keep in (".terraform", ".terraform.lock.hcl", "errored.tfstate", "terraform.tfstate",
                 "terraform.tfstate.backup"):
        if (final / keep).exists():
            shutil.move(str(final / keep), str(produced / keep))
    if final.exists():
        shutil.rmtree(final)
    os.replace(produced, final)
    return SynthResult(name, final, meta["resources"], False, tuple(meta["notes"]))


def _dump_yaml(data: dict) -> str:
    import yaml

    return "# SageMaker Python SDK intelligent defaults, written by `provision synth`.\n" + yaml.safe_dump(
        data, sort_keys=False
    )
