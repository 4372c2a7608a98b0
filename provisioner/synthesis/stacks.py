"""From resolved workspaces to the stacks the engine runs: synthesize (reusing unchanged ones), describe.

    from provisioner.synthesis.stacks import synthesize_stacks
    for stack, result in synthesize_stacks(org, contexts, state_root=...):
        ...  # stack: provisioner.engine.operations.Stack; result: provisioner.synthesis.synth.SynthResult

`plan`, `apply`, `destroy` and `unlock` all start here, so that they see one
config: `latest-approved` is resolved the way `provision synth` resolves it,
and a stack folder holding state that a failed apply could not save is never
replaced by a new synth. Nothing here prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from provisioner.errors import OperationFailed, shown

if TYPE_CHECKING:
    from provisioner.engine.operations import Stack
    from provisioner.models.org import Org
    from provisioner.models.resolved import WorkspaceContext
    from provisioner.synthesis.synth import SynthResult


def stack_folder(org: "Org", name: str) -> Path:
    from provisioner.synthesis.synth import DEFAULT_OUT, stack_dir

    return stack_dir((org.root / DEFAULT_OUT).resolve(), name)


def describe(org: "Org", ctx: "WorkspaceContext", folder: Path, *, cloud: bool = True) -> "Stack":
    """The engine's view of a workspace whose config is (or will be) in `folder`; `cloud=False` leaves out
    what reaching its cloud takes (added later, with `cloud_env`)."""
    from provisioner.audit.secrets import secret_parameter_values
    from provisioner.engine.operations import Stack

    spec = Path(ctx.spec_path) if ctx.spec_path else org.workspaces_dir / f"{ctx.name}.yaml"
    if not spec.is_absolute():
        spec = org.root / spec
    try:
        shown = spec.resolve().relative_to(org.root.resolve()).as_posix()
    except ValueError:
        shown = str(spec)
    return Stack(name=ctx.name, environment=ctx.environment, stack_dir=folder, spec_path=spec,
                 blueprint_ref=ctx.blueprint.ref, blueprint_path=ctx.blueprint_path, spec_display=shown,
                 env=cloud_env(ctx) if cloud else {}, secrets=tuple(secret_parameter_values(ctx.parameters)))


def cloud_env(ctx: "WorkspaceContext") -> dict[str, str | None]:
    """What Terraform needs to reach the workspace's cloud: nothing added for AWS (the caller's own
    configuration); the sandbox's endpoint and test identity for a local cloud (exit 1 if it is not running)."""
    if not ctx.env.is_local:
        return {}
    from provisioner.cloud.access import access_for

    return access_for(ctx).terraform_env()


def refuse_stale_local_state(org: "Org", ctx: "WorkspaceContext", state_root: Path) -> None:
    """A local cloud forgets everything when it stops: a state from before the running server is stale."""
    if not ctx.env.is_local:
        return
    from provisioner.localcloud.sandbox import Sandbox, check_state

    check_state(ctx.name, state_root / ctx.name / "terraform.tfstate", Sandbox(org.root).running(), org.root)


def on_disk(org: "Org", ctx: "WorkspaceContext") -> "Stack":
    """The workspace's stack as it is on disk now, before synth (for checks that do not need the config)."""
    return describe(org, ctx, stack_folder(org, ctx.name))


def synthesize_stacks(org: "Org", contexts: list["WorkspaceContext"], *, state_root: Path,
                      cloud: bool = True) -> list[tuple["Stack", "SynthResult"]]:
    """Synthesize workspaces in one CDK app (one jsii start), reusing unchanged ones."""
    from provisioner.specs.model_sources import resolve_all
    from provisioner.synthesis.synth import DEFAULT_OUT, synthesize

    for ctx in contexts:
        folder = stack_folder(org, ctx.name)
        if (folder / "errored.tfstate").is_file():  # a synth would replace the folder: stop before it can
            raise OperationFailed(
                f"workspace {ctx.name}: a previous apply could not save its state and left it in {shown(folder / 'errored.tfstate')}",
                f"push it first: cd {shown(folder)} && terraform state push errored.tfstate (then remove the file)")
    # Resolve `latest-approved` the same way `provision synth` does, so plan and apply see one config.
    contexts = resolve_all(contexts)
    results = synthesize(contexts, (org.root / DEFAULT_OUT).resolve(), state_root=state_root)
    return [(describe(org, ctx, result.stack_dir, cloud=cloud), result) for ctx, result in zip(contexts, results)]
