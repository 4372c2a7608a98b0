"""`provision plan|apply|destroy|unlock|doctor`: the Terraform lifecycle of a workspace.

    provision plan NAME       synth -> init -> plan -out -> a saved plan under .provision/plans/NAME/
    provision apply NAME      applies that saved plan, only while nothing it was made from changed
    provision destroy NAME    plans a destroy (protected resources survive), shows it, asks, applies
    provision unlock NAME ID  releases a state lock left by a run that died
    provision doctor [NAME]   engine, runtimes, AWS credentials and account, state backend: pass/fail + fix
                              (--fix installs missing runtimes into the user cache)

Every plan/apply/destroy appends one JSON line to .provision/audit.log. The
engine (`--engine`, `PROVISION_ENGINE`, or `engine:` in provision.yaml) is
checked before anything touches state. Heavy modules (cdktn, boto3) are
imported inside the commands only.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.markup import escape

from provisioner.cli._context import Session, session
from provisioner.cli._output import OutputFormat, console, err_console, print_json, progress
from provisioner.errors import EXIT_FAILED, InvalidInput, OperationFailed

if TYPE_CHECKING:
    from provisioner.engine.bundle import PlanBundle
    from provisioner.engine.discovery import Engine
    from provisioner.engine.operations import ApplyOutcome, DestroyPlan, Lifecycle, Stack
    from provisioner.engine.summary import PlanSummary
    from provisioner.models.resolved import WorkspaceContext

ARGS = "<command line>"
ENGINE_HELP = "Terraform engine: auto (a terraform/tofu 1.10+ on PATH, else embedded), terraform, tofu, embedded. " \
              "Default: `engine` in provision.yaml."
SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "forget": "."}
STYLE = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red", "forget": "dim"}
PAST = {"create": "created", "update": "updated", "delete": "destroyed", "replace": "replaced", "read": "read",
        "no-op": "unchanged"}
QUIET_WARNINGS = ("Resource targeting is in effect", "Applied changes may be incomplete")

_engine_option = typer.Option(None, "--engine", envvar="PROVISION_ENGINE", help=ENGINE_HELP, show_default=False)
_output_option = typer.Option(OutputFormat.text, "--output", "-o")


# -- shared plumbing --------------------------------------------------------------------------------

def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _engine(s: Session, choice: Optional[str]) -> "Engine":
    from provisioner.engine.discovery import resolve_engine

    engine = resolve_engine(choice or s.org.config.engine)
    for note in engine.notes:
        err_console().print(f"note: {escape(note)}")
    return engine


def _lifecycle(s: Session, engine: "Engine") -> "Lifecycle":
    from provisioner.engine.bundle import PlanStore
    from provisioner.engine.cliconfig import prepare
    from provisioner.engine.operations import Lifecycle
    from provisioner.engine.runner import Runner

    runner = Runner(engine, prepare(s.provision_dir / "engine"))
    runner.on_interrupt = _on_interrupt
    return Lifecycle(runner, PlanStore(s.provision_dir / "plans"), logs_dir=s.provision_dir / "logs",
                     rescue_dir=s.provision_dir / "rescue")


def _on_interrupt(count: int) -> None:
    if count == 1:
        err_console().print("[bold yellow]Ctrl-C:[/] asking Terraform to stop safely: it finishes what is in flight, "
                            "saves the state and releases the lock...", markup=True)
    else:
        err_console().print("[yellow]still stopping.[/] provision forwards Ctrl-C only once: a second interrupt "
                            "makes Terraform exit at once and can lose state. Waiting for it to finish.", markup=True)


def _stack_folder(s: Session, name: str) -> Path:
    from provisioner.cli.synth import DEFAULT_OUT
    from provisioner.synth import stack_dir

    return stack_dir((s.root / DEFAULT_OUT).resolve(), name)


def _stack(s: Session, ctx: "WorkspaceContext", folder: Path, *, cloud: bool = True) -> "Stack":
    """The stack of a workspace; `cloud=False` leaves out what reaching its cloud takes (added later)."""
    from provisioner.engine.operations import Stack

    spec = Path(ctx.spec_path) if ctx.spec_path else s.org.workspaces_dir / f"{ctx.name}.yaml"
    if not spec.is_absolute():
        spec = s.root / spec
    try:
        shown = spec.resolve().relative_to(s.root.resolve()).as_posix()
    except ValueError:
        shown = str(spec)
    return Stack(name=ctx.name, environment=ctx.environment, stack_dir=folder, spec_path=spec,
                 blueprint_ref=ctx.blueprint.ref, blueprint_path=ctx.blueprint_path, spec_display=shown,
                 env=_cloud_env(ctx) if cloud else {})


def _cloud_env(ctx: "WorkspaceContext") -> dict[str, str | None]:
    """What Terraform needs to reach the workspace's cloud: nothing added for AWS (the caller's own
    configuration); the sandbox's endpoint and test identity for a local cloud (exit 1 if it is not running)."""
    if not ctx.env.is_local:
        return {}
    from provisioner.cloud.access import access_for

    return access_for(ctx).terraform_env()


def _refuse_stale_local_state(s: Session, ctx: "WorkspaceContext") -> None:
    """A local cloud forgets everything when it stops: a state from before the running server is stale."""
    if not ctx.env.is_local:
        return
    from provisioner.localcloud.sandbox import Sandbox, check_state

    check_state(ctx.name, s.state_root / ctx.name / "terraform.tfstate", Sandbox(s.root).running(), s.root)


def _unsynthesized(s: Session, ctx: "WorkspaceContext") -> "Stack":
    """The workspace's stack as it is on disk now, before synth (for checks that do not need the config)."""
    return _stack(s, ctx, _stack_folder(s, ctx.name))


def _synth(s: Session, ctx: "WorkspaceContext", *, quiet: bool = False) -> "Stack":
    """Synthesize the workspace (reused when nothing that feeds it changed) and describe the result."""
    return _synth_many(s, [ctx], quiet=quiet)[0]


def _synth_many(s: Session, contexts: list["WorkspaceContext"], *, quiet: bool = False,
                cloud: bool = True) -> list["Stack"]:
    """Synthesize workspaces in one CDK app (one jsii start), reusing unchanged ones."""
    from provisioner.cli.synth import DEFAULT_OUT
    from provisioner.model_sources import resolve_all
    from provisioner.synth import synthesize

    for ctx in contexts:
        folder = _stack_folder(s, ctx.name)
        if (folder / "errored.tfstate").is_file():  # a synth would replace the folder: stop before it can
            raise OperationFailed(
                f"workspace {ctx.name}: a previous apply could not save its state and left it in {_rel(folder / 'errored.tfstate')}",
                f"push it first: cd {_rel(folder)} && terraform state push errored.tfstate (then remove the file)")
    # Resolve `latest-approved` the same way `provision synth` does, so plan and apply see one config.
    contexts = resolve_all(contexts)
    results = synthesize(contexts, (s.root / DEFAULT_OUT).resolve(), state_root=s.state_root)
    stacks = []
    for ctx, result in zip(contexts, results):
        if not quiet:
            how = "unchanged, reused" if result.reused else "synthesized"
            err_console().print(f"synth: {ctx.name}: {result.resources} resources, {how} -> {escape(_rel(result.config_path))}")
        stacks.append(_stack(s, ctx, result.stack_dir, cloud=cloud))
    return stacks


def _load(s: Session, name: str) -> "WorkspaceContext":
    from provisioner.workspaces import load_named

    return load_named(s.org, s.catalog, name)


class _PlanProgress:
    """Terraform's `-json` plan events, as a few lines on stderr (diagnostics) and a spinner."""

    def __init__(self, quiet_targeting: bool = False) -> None:
        self.quiet_targeting = quiet_targeting

    def __call__(self, event: dict[str, Any]) -> None:
        if event.get("type") == "diagnostic":
            _print_diagnostic(event.get("diagnostic") or {}, self.quiet_targeting)


def _print_diagnostic(diag: dict[str, Any], quiet_targeting: bool = False) -> None:
    summary = diag.get("summary", "")
    if quiet_targeting and any(summary.startswith(q) for q in QUIET_WARNINGS):
        return
    severity = diag.get("severity", "error")
    style = "red" if severity == "error" else "yellow"
    where = f" ({diag['address']})" if diag.get("address") else ""
    detail = " ".join((diag.get("detail") or "").split())
    err_console().print(f"[{style}]terraform {severity}:[/] {escape(summary)}{escape(where)}"
                        + (f"\n  {escape(detail[:400])}" if detail else ""), markup=True)


class _ApplyProgress:
    """Terraform's `-json` apply events as one line per finished resource, streamed as they come."""

    def __init__(self, total: int, quiet_targeting: bool = False) -> None:
        self.total = total
        self.finished = 0
        self.quiet_targeting = quiet_targeting
        self.lock = threading.Lock()
        self.seen: set[str] = set()  # Terraform repeats some diagnostics ("execution halted") per graph walk

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        hook = event.get("hook") or {}
        address = escape((hook.get("resource") or {}).get("addr", ""))
        action = hook.get("action", "")
        out = err_console()
        with self.lock:
            if kind == "apply_start":
                out.print(f"  [dim]{action}[/] {address} ...", markup=True)
            elif kind == "apply_progress":
                out.print(f"  [dim]still {action}ing {address} ({hook.get('elapsed_seconds', '?')}s)[/]", markup=True)
            elif kind == "apply_complete":
                self.finished += 1
                out.print(f"[green]✓[/] [{self.finished}/{self.total}] {address} {PAST.get(action, action)} "
                          f"[dim]({hook.get('elapsed_seconds', 0)}s)[/]", markup=True)
            elif kind == "apply_errored":
                self.finished += 1
                out.print(f"[red]✗[/] [{self.finished}/{self.total}] {address} failed "
                          f"[dim]({hook.get('elapsed_seconds', 0)}s)[/]", markup=True)
            elif kind == "diagnostic":
                diag = event.get("diagnostic") or {}
                key = f"{diag.get('severity')}|{diag.get('summary')}|{diag.get('address')}|{diag.get('detail')}"
                if key not in self.seen:
                    self.seen.add(key)
                    _print_diagnostic(diag, self.quiet_targeting)
            elif kind == "log" and "Interrupt received" in str(event.get("@message", "")):
                out.print("[yellow]Terraform: interrupt received, stopping gracefully...[/]", markup=True)


def _steps(summary: "PlanSummary") -> int:
    """How many resource operations Terraform reports for a plan (a replacement is a delete and a create)."""
    return sum(2 if c.action == "replace" else 1 for c in summary.changes)


def render_summary(summary: "PlanSummary", *, title: str) -> None:
    """Counts, then one line per resource; stateful replacements and deletions stand out. No values."""
    out = console()
    counts = summary.counts
    out.print(f"[bold]{escape(title)}[/]", markup=True)
    if not summary.has_changes:
        out.print("  No changes: the infrastructure matches the configuration.")
    else:
        out.print("  " + ", ".join(f"{counts[a]} to {a}" for a in ("create", "update", "replace", "delete")))
    for change in summary.changes:
        symbol = SYMBOL.get(change.action, "?")
        style = STYLE.get(change.action, "white")
        notes = []
        if change.replace_because:
            notes.append("replaced because of: " + ", ".join(change.replace_because))
        elif change.attributes and change.action == "update":
            notes.append("changes: " + ", ".join(change.attributes))
        line = f"  [{style}]{symbol:>3} {escape(change.address)}[/] [dim]{change.action}"
        line += f" ({escape('; '.join(notes))})" if notes else ""
        line += "[/]"
        if change.risky:
            what = "protected, " if change.protected else ""
            line += f"  [bold red]<- {what}stateful: its data is lost[/]"
        out.print(line, markup=True)
    for output in summary.outputs:
        shown = " (sensitive, value hidden)" if output.sensitive else ""
        out.print(f"  [dim]output {escape(output.name)}: {output.action}{shown}[/]", markup=True)
    if summary.drifted:
        out.print(f"  [yellow]{len(summary.drifted)} resource(s) changed outside Terraform since the last apply:[/] "
                  + escape(", ".join(summary.drifted)), markup=True)
    if summary.risky:
        out.print(f"[bold red]warning:[/] {len(summary.risky)} stateful resource(s) will be replaced or deleted: "
                  + escape(", ".join(c.address for c in summary.risky)), markup=True)


def _bundle_json(bundle: "PlanBundle") -> dict[str, Any]:
    return {"workspace": bundle.workspace, "environment": bundle.environment, "kind": bundle.kind,
            "bundle": str(bundle.folder), "plan_hash": bundle.plan_sha256, "created": bundle.created,
            "engine": bundle.engine, "state": bundle.state, "inputs": vars(bundle.inputs), "summary": bundle.summary}


def _audit(s: Session, action: str, name: str):
    from provisioner.engine.audit_log import audited

    return audited(s.provision_dir, action, name)


def _describe(engine: "Engine") -> str:
    return f"{engine.kind} {engine.version}"


# -- plan -------------------------------------------------------------------------------------------

def plan(
    name: Optional[str] = typer.Argument(None, help="Workspace to plan."),
    all_: bool = typer.Option(False, "--all", help="Plan every workspace (one synth for all, then Terraform in parallel)."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", help="With --all: only workspaces whose spec, blueprint, org config or infra/ changed since this git ref."),
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, max=32, help="With --all: Terraform plans run at once."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """Plan a workspace and save the plan under .provision/plans/NAME/ (apply it with `provision apply`)."""
    if bool(name) == all_:
        raise InvalidInput.single(ARGS, "NAME", "give a workspace name or --all, not both or neither",
                                  "for example: provision plan churn-model")
    if changed_since and not all_:
        raise InvalidInput.single(ARGS, "--changed-since", "only works with --all",
                                  "for example: provision plan --all --changed-since origin/main")
    s = session()
    if all_:
        _plan_all(s, changed_since, jobs, engine, output)
        return
    assert name is not None
    with _audit(s, "plan", name) as entry:
        ctx = _load(s, name)
        entry.environment = ctx.environment
        chosen = _engine(s, engine)
        entry.engine = _describe(chosen)
        life = _lifecycle(s, chosen)
        _refuse_stale_local_state(s, ctx)
        stack = _synth(s, ctx)
        with progress(f"terraform plan {name} ({chosen.label})"):
            bundle = _plan_stack(life, stack, on_event=_PlanProgress())
        entry.plan_hash = bundle.plan_sha256
        summary = bundle.plan_summary
        entry.result = "ok" if summary.has_changes else "no-changes"
        entry.detail["counts"] = summary.counts
    if output == OutputFormat.json:
        print_json(_bundle_json(bundle))
        return
    render_summary(summary, title=f"Plan for {name} ({ctx.environment}, {chosen.label}):")
    if summary.has_changes:
        console().print(f"Saved plan: {_rel(bundle.folder)}  ->  review, then `provision apply {name}`")


def _plan_stack(life, stack: "Stack", on_event=None) -> "PlanBundle":
    from provisioner.engine.diagnostics import ProviderUnavailable

    try:
        return life.plan(stack, on_event=on_event)
    except ProviderUnavailable as exc:
        raise OperationFailed(
            f"{stack.name}: synthesized {_rel(stack.config_path)}, but cannot plan it on this machine: "
            + exc.message.split(": ", 1)[-1], exc.hint) from None


def _plan_all(s: Session, changed_since: Optional[str], jobs: int, engine: Optional[str], output: OutputFormat) -> None:
    """Fleet plan: one synth for every workspace, then `jobs` Terraform plans at a time; failures are
    collected and reported together (exit 1 when any failed)."""
    from concurrent.futures import ThreadPoolExecutor

    from provisioner.errors import ProvisionError

    contexts = s.workspaces(changed_since)
    if not contexts:
        console().print("no workspace to plan")
        return
    chosen = _engine(s, engine)
    life = _lifecycle(s, chosen)
    # Each workspace reaches its own cloud: a local cloud that is not running fails its workspaces only.
    stacks = _synth_many(s, contexts, quiet=output == OutputFormat.json, cloud=False)
    by_name = {ctx.name: ctx for ctx in contexts}

    def one(stack: "Stack") -> dict[str, Any]:
        import dataclasses

        with _audit(s, "plan", stack.name) as entry:
            entry.environment = stack.environment
            entry.engine = _describe(chosen)
            try:
                ctx = by_name[stack.name]
                _refuse_stale_local_state(s, ctx)
                bundle = _plan_stack(life, dataclasses.replace(stack, env=_cloud_env(ctx)))
            except ProvisionError as exc:
                entry.result = "failed"
                return {"workspace": stack.name, "ok": False, "error": exc.message, "hint": exc.hint}
            entry.plan_hash = bundle.plan_sha256
            entry.result = "ok" if bundle.plan_summary.has_changes else "no-changes"
            return {"workspace": stack.name, "ok": True, "counts": bundle.plan_summary.counts,
                    "bundle": str(bundle.folder), "plan_hash": bundle.plan_sha256}

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        rows = list(pool.map(one, stacks))
    if output == OutputFormat.json:
        print_json(rows)
    else:
        for row in rows:
            if row["ok"]:
                c = row["counts"]
                console().print(f"[green]planned[/] {row['workspace']}: {c.get('create', 0)} to create, "
                                f"{c.get('update', 0)} to update, {c.get('replace', 0)} to replace, "
                                f"{c.get('delete', 0)} to delete", markup=True)
            else:
                console().print(f"[red]failed[/]  {row['workspace']}: {escape(row['error'])}", markup=True)
    failed = [r for r in rows if not r["ok"]]
    if failed:
        hints = sorted({r["hint"] for r in failed if r.get("hint")})
        raise OperationFailed(f"{len(failed)} of {len(rows)} workspace plan(s) failed: "
                              + ", ".join(r["workspace"] for r in failed), "; ".join(hints))


# -- apply ------------------------------------------------------------------------------------------

def _confirm_apply(name: str, environment: str, summary_title: str, yes: bool, output: OutputFormat):
    def confirm(bundle: "PlanBundle") -> bool:
        if output == OutputFormat.text:
            render_summary(bundle.plan_summary, title=summary_title)
        if yes:
            return True
        return _ask(lambda: typer.confirm(f"Apply this plan to {name} ({environment})?", default=False, err=True))

    return confirm


def _ask(question):
    """Ask on the terminal; no answer (end of input, as in CI without --yes) counts as no."""
    import click

    try:
        return question()
    except click.exceptions.Abort:
        err_console().print("no answer (end of input); pass --yes to run without a prompt")
        return False


def _report_outcome(outcome: "ApplyOutcome", output: OutputFormat, *, verb: str) -> None:
    from provisioner.engine.operations import outcome_error

    if output == OutputFormat.json:
        print_json(outcome.to_dict())
    elif outcome.status == "nothing":
        console().print("No changes in the saved plan; nothing to apply.")
    elif outcome.ok:
        planned = {c.address: c.action for c in outcome.bundle.plan_summary.changes}
        counts: dict[str, int] = {}
        for address in dict.fromkeys(a for a, _ in outcome.done):  # a replacement reports delete and create
            action = planned.get(address, "update")
            counts[action] = counts.get(action, 0) + 1
        done = ", ".join(f"{n} {PAST.get(a, a)}" for a, n in sorted(counts.items())) or "nothing changed"
        console().print(f"[green]{verb} complete[/] for {escape(outcome.bundle.workspace)}: {done} "
                        f"[dim]({outcome.seconds:.0f}s)[/]", markup=True)
    else:
        out = err_console()
        out.print(f"[bold red]{verb} {outcome.status}[/] for {escape(outcome.bundle.workspace)}:", markup=True)
        out.print(f"  applied ({len(outcome.done)}): " + escape(", ".join(f"{a} ({PAST.get(x, x)})" for a, x in outcome.done) or "nothing"))
        if outcome.failed:
            out.print("  failed: " + escape(", ".join(outcome.failed)))
        out.print(f"  not applied ({len(outcome.not_applied)}): " + escape(", ".join(outcome.not_applied) or "nothing"))
        lock = outcome.lock.describe() if outcome.lock else "the state lock could not be checked"
        if outcome.state:
            out.print(f"  state: serial {outcome.state.get('serial', '?')}, as Terraform wrote it (kept); {escape(lock)}")
        else:
            out.print(f"  state: could not be read back (check it with `provision plan`); {escape(lock)}")
        if outcome.errored_state:
            out.print(f"  [bold red]Terraform could not save the state to the backend[/]: it is in "
                      f"{escape(_rel(outcome.errored_state))}" + (f" (copy: {escape(_rel(outcome.rescued_state))})"
                                                                 if outcome.rescued_state else ""), markup=True)
    if not outcome.ok:
        raise outcome_error(outcome)


def _json_needs_yes(output: OutputFormat, yes: bool, verb: str) -> None:
    if output == OutputFormat.json and not yes:
        raise InvalidInput.single(ARGS, "--output", "json output cannot ask for confirmation",
                                  f"add --yes to {verb} without asking")


def apply(
    name: str = typer.Argument(..., help="Workspace whose saved plan to apply."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    skip_preflight: bool = typer.Option(False, "--skip-preflight", help="Skip the cloud preflight gate."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """Apply the saved plan of a workspace (made by `provision plan`), and only that plan."""
    _json_needs_yes(output, yes, "apply")
    s = session()
    with _audit(s, "apply", name) as entry:
        ctx = _load(s, name)
        entry.environment = ctx.environment
        chosen = _engine(s, engine)
        entry.engine = _describe(chosen)
        life = _lifecycle(s, chosen)
        bundle = life.load_bundle(name)
        entry.plan_hash = bundle.plan_sha256
        # Spec, blueprint and engine first: a changed spec is refused before synth even starts.
        life.check_inputs(_unsynthesized(s, ctx), bundle, config=False)
        stack = _synth(s, ctx, quiet=output == OutputFormat.json)
        if skip_preflight:
            entry.detail["skipped"] = ["preflight"]
        summary = bundle.plan_summary
        outcome = life.apply(
            stack, bundle=bundle, context=ctx, gates=_gates(skip_preflight),
            confirm=_confirm_apply(name, ctx.environment,
                                   f"Saved plan for {name} ({ctx.environment}, made {bundle.created}):", yes, output),
            on_event=_ApplyProgress(_steps(summary)) if output == OutputFormat.text else None,
        )
        entry.result = {"applied": "ok", "nothing": "no-changes"}.get(outcome.status, outcome.status)
        if outcome.status in ("applied", "nothing"):
            from provisioner.audit.runner import record_applied

            # The audit's "what changes" compares the next config with this applied one.
            record_applied(s.provision_dir, name, stack.config_path)
        entry.detail["applied"] = len(outcome.done)
        entry.detail["not_applied"] = len(outcome.not_applied)
        _report_outcome(outcome, output, verb="apply")


def _gates(skip_preflight: bool) -> list:
    """The pre-apply gates (provisioner.engine.gates.PRE_APPLY_GATES), minus the skipped ones.

    The engine itself runs no gate unless given some: the CLI decides what guards an apply."""
    from provisioner.engine.gates import PRE_APPLY_GATES

    if not skip_preflight:
        return list(PRE_APPLY_GATES)
    return [g for g in PRE_APPLY_GATES if "preflight" not in (g if isinstance(g, str) else g.__module__)]


# -- destroy ----------------------------------------------------------------------------------------

def destroy(
    name: Optional[str] = typer.Argument(None, help="Workspace to destroy."),
    expired: bool = typer.Option(False, "--expired", help="Destroy every workspace past its `expires` date, one by one."),
    today: Optional[str] = typer.Option(None, "--today", help="With --expired: pretend today is this date (YYYY-MM-DD)."),
    include_protected: bool = typer.Option(
        False, "--include-protected",
        help="Also delete protected stateful resources (buckets, keys, registry): their data is lost."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask to type the workspace name."),
    skip_preflight: bool = typer.Option(False, "--skip-preflight", help="Skip the cloud preflight gate."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """Destroy a workspace's resources; protected stateful ones survive unless --include-protected."""
    _json_needs_yes(output, yes, "destroy")
    if bool(name) == expired:
        raise InvalidInput.single(ARGS, "NAME", "give a workspace name or --expired, not both or neither",
                                  "for example: provision destroy churn-model")
    s = session()
    if not expired:
        assert name is not None
        _destroy_one(s, name, include_protected, yes, skip_preflight, engine, output)
        return
    from provisioner.cli.fleet import parse_today
    from provisioner.fleet import expiring

    due = [e for e in expiring(s.workspaces(), parse_today(today)) if e.expired]
    if not due:
        console().print("no expired workspaces")
        return
    console().print(f"expired: {', '.join(f'{e.name} (since {e.expires.isoformat()})' for e in due)}")
    # Each one goes through the usual destroy: its own plan, summary, typed confirmation and protections.
    for e in due:
        _destroy_one(s, e.name, include_protected, yes, skip_preflight, engine, output)


def _destroy_one(s: Session, name: str, include_protected: bool, yes: bool, skip_preflight: bool,
                 engine: Optional[str], output: OutputFormat) -> None:
    with _audit(s, "destroy", name) as entry:
        ctx = _load(s, name)
        entry.environment = ctx.environment
        chosen = _engine(s, engine)
        entry.engine = _describe(chosen)
        life = _lifecycle(s, chosen)
        stack = _synth(s, ctx, quiet=output == OutputFormat.json)
        entry.detail["include_protected"] = include_protected
        with progress(f"terraform plan -destroy {name} ({chosen.label})"):
            dplan = life.plan_destroy(stack, include_protected=include_protected,
                                      on_event=_PlanProgress(quiet_targeting=True))
        if dplan.bundle is None:
            entry.result = "no-changes"
            entry.detail["kept"] = sorted(dplan.kept)
            _report_nothing_to_destroy(name, dplan, output)
            return
        entry.plan_hash = dplan.bundle.plan_sha256
        outcome = life.apply_destroy(
            stack, dplan, context=ctx, gates=_gates(skip_preflight),
            confirm=_confirm_destroy(name, ctx.environment, dplan, yes, output),
            on_event=_ApplyProgress(_steps(dplan.bundle.plan_summary), quiet_targeting=True)
            if output == OutputFormat.text else None,
        )
        entry.result = {"applied": "ok", "nothing": "no-changes"}.get(outcome.status, outcome.status)
        entry.detail["removed"] = [a for a, _ in outcome.done]
        entry.detail["kept"] = sorted(dplan.kept)
        if output == OutputFormat.json:
            print_json({**outcome.to_dict(), "removed": [a for a, _ in outcome.done], "kept": dplan.kept,
                        "include_protected": include_protected})
            if not outcome.ok:
                from provisioner.engine.operations import outcome_error

                raise outcome_error(outcome)
            return
        _report_destroy(name, dplan, outcome)


def _confirm_destroy(name: str, environment: str, dplan: "DestroyPlan", yes: bool, output: OutputFormat):
    def confirm(bundle: "PlanBundle") -> bool:
        if output == OutputFormat.text:
            render_summary(bundle.plan_summary, title=f"Destroy plan for {name} ({environment}):")
            _print_kept(name, dplan)
            if dplan.include_protected and dplan.protected:
                console().print(f"[bold red]--include-protected:[/] these protected resources will be deleted, "
                                f"with their data: {escape(', '.join(dplan.protected))}", markup=True)
        if yes:
            return True
        typed = _ask(lambda: typer.prompt(f"Type the workspace name ({name}) to destroy it", default="",
                                          show_default=False, err=True))
        return bool(typed) and typed.strip() == name

    return confirm


def _print_kept(name: str, dplan: "DestroyPlan") -> None:
    if not dplan.kept:
        return
    console().print(f"Kept (protected, or needed by a protected resource): {escape(', '.join(sorted(dplan.kept)))}")
    console().print(f"  [dim]to delete them too: provision destroy {name} --include-protected[/]", markup=True)


def _report_nothing_to_destroy(name: str, dplan: "DestroyPlan", output: OutputFormat) -> None:
    if output == OutputFormat.json:
        print_json({"workspace": name, "status": "nothing", "removed": [], "kept": dplan.kept,
                    "include_protected": dplan.include_protected})
        return
    console().print(f"Nothing to destroy in {name}" + (" except protected resources." if dplan.kept else "."))
    _print_kept(name, dplan)


def _report_destroy(name: str, dplan: "DestroyPlan", outcome: "ApplyOutcome") -> None:
    if not outcome.ok:
        _report_outcome(outcome, OutputFormat.text, verb="destroy")  # raises
    removed = [a for a, _ in outcome.done]
    console().print(f"[green]destroy complete[/] for {escape(name)}: removed {len(removed)} resource(s)"
                    + (f": {escape(', '.join(removed))}" if removed else ""), markup=True)
    protected = set(dplan.protected)
    deleted_protected = [a for a in removed if a.split("[", 1)[0] in protected]
    if deleted_protected:
        console().print(f"[bold red]removed protected resources:[/] {escape(', '.join(deleted_protected))}",
                        markup=True)
    _print_kept(name, dplan)


# -- unlock -----------------------------------------------------------------------------------------

def unlock(
    name: str = typer.Argument(..., help="Workspace whose state lock to release."),
    lock_id: str = typer.Argument(..., help="The lock ID, as printed by the failed run."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    engine: Optional[str] = _engine_option,
) -> None:
    """Release a state lock that a crashed run left behind (terraform force-unlock)."""
    s = session()
    with _audit(s, "unlock", name) as entry:
        ctx = _load(s, name)
        entry.environment = ctx.environment
        entry.detail["lock_id"] = lock_id
        chosen = _engine(s, engine)
        entry.engine = _describe(chosen)
        life = _lifecycle(s, chosen)
        err_console().print(
            f"[bold yellow]warning:[/] releasing lock {escape(lock_id)} on {escape(name)}. Only do this when no "
            "run (yours or a colleague's, or a CI job) is still working on this workspace: two runs writing the "
            "same state can corrupt it.", markup=True)
        if not yes and not _ask(lambda: typer.confirm(f"Release the lock on {name}?", default=False, err=True)):
            from provisioner.engine.operations import Cancelled

            raise Cancelled(f"unlock of {name} cancelled; the lock is still held")
        stack = _synth(s, ctx)
        life.unlock(stack, lock_id)
        entry.result = "ok"
    console().print(f"released lock {escape(lock_id)} on {escape(name)}")


# -- doctor -----------------------------------------------------------------------------------------

def doctor(
    name: Optional[str] = typer.Argument(None, help="Check for this workspace's environment (default: all)."),
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Check this environment only."),
    engine: Optional[str] = _engine_option,
    fix: bool = typer.Option(False, "--fix", help="First install missing runtimes (Node 22 from the npm registry, "
                             "checkov from PyPI) into the user cache, ~/.cache/provision."),
    output: OutputFormat = _output_option,
) -> None:
    """Check what synth/plan/apply need: engine, runtimes, AWS credentials and account, state backend (exit 1 on a fail).

    Outside an org repository it checks this machine only (engine and runtimes)."""
    from provisioner.cli._context import session_if_any
    from provisioner.engine.doctor import DoctorCheck, machine_checks, run_checks

    if fix:
        _install_missing_runtimes()
    s = session_if_any() if not (name or env) else session()
    if s is None:
        from provisioner import user_cache

        checks = machine_checks(engine or "auto", user_cache.root() / "engine")
        checks.append(DoctorCheck("org", "org", "skip", "no provision.yaml here or in a parent folder: checked this "
                                  "machine only", "run it inside your org repository (or `provision init DIR`)"))
        _print_checks(checks, output)
        return
    environments = list(s.org.config.environments)
    if name:
        environments = [_load(s, name).environment]
    elif env:
        if env not in s.org.config.environments:
            raise InvalidInput.single(ARGS, "--env", f"unknown environment {env!r}",
                                      f"environments in {s.org.path.name}: {', '.join(s.org.config.environments)}")
        environments = [env]
    checks = run_checks(s.org, environments, engine_choice=engine or s.org.config.engine,
                        state_root=s.state_root, strict_account=bool(name or env))
    _print_checks(checks, output)


def _print_checks(checks: list, output: OutputFormat) -> None:
    if output == OutputFormat.json:
        print_json([c.to_dict() for c in checks])
    else:
        styles = {"pass": "green", "fail": "bold red", "skip": "dim", "warn": "yellow"}
        for check in checks:
            console().print(f"[{styles[check.status]}]{check.status:>4}[/]  {escape(check.title)}: "
                            f"{escape(check.detail)}", markup=True)
            if check.fix and check.status != "pass":
                console().print(f"        [bold]fix:[/] {escape(check.fix)}", markup=True)
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(EXIT_FAILED)


def _install_missing_runtimes() -> None:
    """`doctor --fix`: install each missing runtime into the user cache, showing the installer's progress."""
    from provisioner.cli._output import progress
    from provisioner.runtimes import checkov_runtime, install_checkov, install_node, node_runtime

    for found, install in ((node_runtime, install_node), (checkov_runtime, install_checkov)):
        runtime = found()
        if runtime.found:
            continue
        with progress(f"installing {runtime.title}") as step:
            installed = install(step)
        err_console().print(f"installed {installed.title}: {installed.detail}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("apply")(apply)
    app.command("destroy")(destroy)
    app.command("unlock")(unlock)
    app.command("doctor")(doctor)
