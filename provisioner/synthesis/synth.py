"""Synthesizes workspaces into Terraform JSON, one stack and one state each.

All workspaces of a run share one cdktn App in one process (a fleet of
PARALLEL_MIN or more is split over worker processes, one per core and at most two, one App each):
the jsii runtime costs ~5 s and ~0.9 GiB to start, so it is paid once per
process. Output is written to a
temporary folder and moved into place per workspace, so a failed run leaves
the previous output untouched. A content hash of everything that feeds a
workspace's config lets an unchanged workspace skip synth without starting jsii.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from provisioner.errors import OperationFailed
from provisioner.models.resolved import WorkspaceContext
from provisioner.runtime.locations import infra_dir

INFRA_PACKAGE = "infra"  # the CDK layer
SYNTH_META = "provision-synth.json"
DEFAULT_OUT = "cdktf.out"  # the synth output folder in the org folder, unless `--out` says otherwise
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
    """The code the CDK layer runs and the versions of the tool and its CDK packages.

    The code is the layer's import closure (`infra/` and every module of the tool it imports, found in
    the source), so editing a provisioner module the layer uses invalidates the cache as editing the
    layer does, whichever modules those are.
    """
    from provisioner.synthesis.code_closure import import_closure

    root = infra_dir().parent  # where this process imports the tool from: a checkout or an installed wheel
    digest = hashlib.sha256()
    for path in import_closure(root, INFRA_PACKAGE):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    from importlib.metadata import PackageNotFoundError, version

    from provisioner.runtime.versions import tool_version

    digest.update(f"provision=={tool_version()}".encode())
    for package in ("cdktn", "cdktn-provider-aws"):
        try:
            digest.update(f"{package}=={version(package)}".encode())
        except PackageNotFoundError:
            pass
    return digest.hexdigest()


def _context_fingerprint(ctx: WorkspaceContext) -> str:
    """What the CDK layer reads from a resolved workspace (not where its files live)."""
    from infra.credentials import ambient

    data = {
        "org": ctx.org, "name": ctx.name, "environment": ctx.environment, "env": ctx.env.model_dump(mode="json"),
        "blueprint": ctx.blueprint.model_dump(mode="json"), "owner": ctx.owner, "team": ctx.team, "tags": ctx.tags,
        "parameters": ctx.parameters, "guardrails": ctx.guardrails.model_dump(mode="json"),
        "members": list(ctx.members), "expires": str(ctx.expires),
        "monitoring": ctx.monitoring.model_dump(mode="json"),
        "monitoring_script": ctx.monitoring_script.sha256 if ctx.monitoring_script else None,
        "project": ctx.project, "promotes_to": [vars(p) for p in ctx.promotes_to],
        "promoted_from": [vars(p) for p in ctx.promoted_from],
        "ambient_credentials": ambient(),  # no assume_role in the provider and backend (infra/credentials.py)
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


def synthesized_resources(out_dir: Path, name: str) -> int | None:
    """How many Terraform resources the workspace's last synth in `out_dir` has; None if it was never synthesized."""
    meta = _read_meta(stack_dir(out_dir, name))
    return meta.get("resources") if isinstance(meta.get("resources"), int) else None


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
    workers: Workers | None = None,
) -> list[SynthResult]:
    """Synthesize the given workspaces into `out_dir/stacks/<name>/cdk.tf.json`.

    `workers`: worker processes the caller started early (`start_ahead`); used when there are
    enough workspaces to synthesize, and always closed. Without them, workers are started when needed.
    """
    out_dir = out_dir.resolve()
    try:
        plans: list[Plan] = []
        results: dict[str, SynthResult] = {}
        for ctx in contexts:
            local = local_state_path(state_root, out_dir, ctx.name) if ctx.env.state.backend == "local" else None
            digest = inputs_hash(ctx, local)
            folder = stack_dir(out_dir, ctx.name)
            meta = _read_meta(folder)
            if not force and meta.get("inputs_hash") == digest and (folder / "cdk.tf.json").is_file():
                results[ctx.name] = SynthResult(ctx.name, folder, meta.get("resources", 0), True,
                                                tuple(meta.get("notes", [])))
            else:
                plans.append((ctx, digest, local))
        if plans:
            wanted = synth_workers(len(plans))
            if workers is not None and wanted == 1:
                workers.close()  # too few to be worth their start: this process is faster
                workers = None
            elif workers is None and wanted > 1:
                workers = Workers(wanted)
            results.update(_synthesize_fresh(plans, out_dir, workers))
        return [results[ctx.name] for ctx in contexts]
    finally:
        if workers is not None:
            workers.close()


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


class Workers:
    """Synth worker processes: fresh interpreters that each build their share of the stacks in one App.

    Each loads jsii, cdktn and the AWS provider as soon as it starts (~5 s), so a caller that
    knows a large synth is coming (`provision synth --all --force`, or a first synth) starts
    them before it loads and validates the workspaces, and that start overlaps its own work.
    """

    def __init__(self, count: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited jsii state
        self._links = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_worker_main, args=(theirs,), daemon=True, name="provision-synth")
            process.start()
            theirs.close()
            self._links.append((process, ours))
        self._idle = False  # True once every worker answered: each waits for the next batch

    @property
    def count(self) -> int:
        return len(self._links)

    def produce(self, plans: list[Plan], tmp: Path) -> dict[str, tuple[Path, dict]]:
        """Split `plans` over the workers; raises the first worker's error (after all have answered)."""
        for index, (_, link) in enumerate(self._links):
            link.send((plans[index::self.count], tmp / str(index)))
        produced: dict[str, tuple[Path, dict]] = {}
        errors: list[BaseException] = []
        for process, link in self._links:
            try:
                outcome, value = link.recv()
            except EOFError:
                outcome, value = "error", OperationFailed(
                    f"a synth worker process stopped unexpectedly (exit code {process.exitcode})",
                    "rerun; if it happens again, rerun with PROVISION_SYNTH_WORKERS=1 to synthesize in one process")
            if outcome == "ok":
                produced.update(value)
            else:
                errors.append(value)
        self._idle = True
        if errors:
            raise errors[0]
        return produced

    def close(self) -> None:
        """Stop the workers: idle ones exit, busy ones (still starting) are terminated; nothing of theirs is kept."""
        for process, link in self._links:
            try:
                link.send(None)
            except (OSError, ValueError):
                pass
        for process, link in self._links:
            process.join(timeout=10 if self._idle else 0)
            if process.is_alive():
                process.terminate()
                process.join()
            link.close()
        self._links = []


def start_ahead(names: list[str], out_dir: Path, *, force: bool) -> Workers | None:
    """Worker processes for a fleet synth of `names` that will surely synthesize every one of them
    (forced, or no output yet), started before the caller loads and validates the workspaces:
    their ~5 s CDK start (mostly node loading the AWS provider) overlaps that work. None otherwise:
    when the cache may answer, nothing starts, and an unchanged fleet never pays for jsii.
    """
    out_dir = out_dir.resolve()
    certain = force or not any((stack_dir(out_dir, n) / "cdk.tf.json").is_file() for n in names)
    count = synth_workers(len(names))
    return Workers(count) if certain and count > 1 else None


def _worker_main(link) -> None:  # type: ignore[no-untyped-def]
    """A worker's life: start the CDK layer, then produce whatever batches arrive until told to stop."""
    failed: BaseException | None = None
    try:
        _start_cdk()
    except Exception as exc:  # reported with the first batch, where the caller waits for an answer
        failed = exc
    while True:
        try:
            job = link.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            if failed is not None:
                raise failed
            link.send(("ok", produce(*job)))
        except Exception as exc:
            try:
                link.send(("error", exc))
            except Exception:  # noqa: BLE001 - an error that cannot cross processes still gets reported
                link.send(("error", OperationFailed(f"synth failed: {type(exc).__name__}: {exc}")))


def _synthesize_fresh(plans: list[Plan], out_dir: Path, workers: Workers | None) -> dict[str, SynthResult]:
    """Synthesize into a temporary folder (in this process, or split over the workers), then move
    each workspace into place only once every workspace synthesized: a failure leaves the old output."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".synth-", dir=out_dir) as tmp:
        produced = produce(plans, Path(tmp) / "0") if workers is None else workers.produce(plans, Path(tmp))
        return {name: _move_into_place(folder, out_dir, name, meta) for name, (folder, meta) in produced.items()}


def _start_cdk() -> None:
    """Start jsii with the CDK packages the stacks use (the ~5 s that every synth process pays once)."""
    from provisioner.runtime.node import ensure_node

    ensure_node()
    if os.environ.get("PROVISION_TYPE_CHECKS") != "1" and os.environ.get("PROVISION_DEBUG") != "1":
        _skip_binding_type_checks()
    import cdktn_provider_aws.provider  # noqa: F401  # loads the AWS provider's jsii assembly

    from infra.capabilities import builders

    builders()  # imports every capability and the bindings it uses


def _skip_binding_type_checks() -> None:
    """Skip the runtime type checks of jsii's generated bindings, as `python -O` would.

    Each binding call checks its arguments with typeguard: about a third of the Python time of
    building a workspace in a fleet, and a tenth of a single synth's own work. jsii skips them
    under `python -O`, which cannot be used here (no -O bytecode exists for the 2,400 binding
    modules); handing jsii's check resolver a no-op does the same. They are a development aid:
    the test suite (PROVISION_TYPE_CHECKS=1) and PROVISION_DEBUG=1 keep them.
    """
    import jsii._type_checking as checking

    if hasattr(checking, "_resolved_check"):  # a later jsii without it keeps its checks: slower, still right
        checking._resolved_check = lambda **_: None


def produce(plans: list[Plan], tmp: Path) -> dict[str, tuple[Path, dict]]:
    """Build every workspace's stack in one cdktn App and synthesize it into `tmp` (runs in a worker too)."""
    _start_cdk()
    from cdktn import App

    from infra.sdk_defaults import sdk_defaults
    from infra.stack_build import StackBuild
    from infra.workspace_stack import WorkspaceStack

    for ctx, _, _ in plans:
        check_buildable(ctx)
    app = App(outdir=str(tmp), context={"targetVersions": TARGET_VERSIONS})
    stacks = {ctx.name: WorkspaceStack(app, ctx, local_state_path=local) for ctx, _, local in plans}
    app.synth()
    produced = {}
    for ctx, digest, _ in plans:
        folder = stack_dir(tmp, ctx.name)
        (folder / "sagemaker-defaults.yaml").write_text(_dump_yaml(sdk_defaults(ctx)))
        stack = stacks[ctx.name]
        meta = {"inputs_hash": digest, "resources": len(StackBuild.of(stack).addresses), "notes": list(stack.notes),
                "blueprint": ctx.blueprint.ref}
        (folder / SYNTH_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        produced[ctx.name] = (folder, meta)
    return produced


def check_buildable(ctx: WorkspaceContext) -> None:
    """Refuse (exit 1) a blueprint whose capabilities this version of the CDK layer cannot build."""
    from infra.capabilities import builders

    known = builders()
    missing = [name for name in ctx.capabilities if name not in known]
    if missing:
        raise OperationFailed(
            f"blueprint {ctx.blueprint.ref} (workspace {ctx.name}) uses "
            f"{', '.join(map(repr, missing))}, which this version of provision cannot build yet",
            f"buildable capabilities: {', '.join(sorted(known))}; pick a blueprint version without it or upgrade provision",
        )
    if ctx.capabilities[:1] != ("foundation",):
        raise OperationFailed(f"blueprint {ctx.blueprint.ref} must start with the foundation capability")


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

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: same text, 5x faster
    return "# SageMaker Python SDK intelligent defaults, written by `provision synth`.\n" + yaml.dump(
        data, Dumper=dumper, sort_keys=False
    )
