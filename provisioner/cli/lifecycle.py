"""`provision plan|apply|destroy|unlock`: the Terraform lifecycle of a workspace.

    provision plan NAME       synth -> init -> plan -out -> a saved plan under .provision/plans/NAME/
    provision apply NAME      applies that saved plan, only while nothing it was made from changed
    provision destroy NAME    plans a destroy (protected resources survive), shows it, asks, applies
    provision unlock NAME ID  releases a state lock left by a run that died
    provision show NAME       prints the saved plan again: who made it, against which state, whether it is
                              still current, and what it changes argument by argument

These commands read arguments, ask and print; the work happens below cli/:
provisioner.synthesis.stacks (synthesize and describe the stacks), provisioner.engine
(operations: plan/apply/destroy/unlock; fleet: many plans at once) and
provisioner/cli/_terraform_output.py (progress, summaries, outcomes).
Every plan/apply/destroy appends one JSON line to .provision/audit.log. The
engine (`--engine`, `PROVISION_ENGINE`, or `engine:` in provision.yaml) is
checked before anything touches state. Heavy modules (cdktn, boto3) are
imported inside the commands only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.markup import escape

from provisioner.cli._context import Session, session
from provisioner.cli._output import OutputFormat, console, err_console, print_json, progress
from provisioner.cli._terraform_output import ApplyProgress, PlanProgress, render_summary, report_outcome, steps
from provisioner.errors import InvalidInput, shown

if TYPE_CHECKING:
    from provisioner.cloud.decommission import DestroyPlanFacts
    from provisioner.engine.bundle import PlanBundle
    from provisioner.engine.discovery import Engine
    from provisioner.engine.operations import ApplyOutcome, DestroyPlan, Lifecycle, Stack
    from provisioner.models.resolved import WorkspaceContext

ARGS = "<command line>"
ENGINE_HELP = "Terraform engine: auto (a terraform/tofu 1.10+ on PATH, else embedded), terraform, tofu, embedded. " \
              "Default: `engine` in provision.yaml."
_engine_option = typer.Option(None, "--engine", envvar="PROVISION_ENGINE", help=ENGINE_HELP, show_default=False)
_output_option = typer.Option(OutputFormat.text, "--output", "-o")


# -- shared plumbing --------------------------------------------------------------------------------

def _engine(s: Session, choice: Optional[str]) -> "Engine":
    from provisioner.engine.discovery import resolve_engine

    engine = resolve_engine(choice or s.org.config.engine)
    for note in engine.notes:
        err_console().print(f"note: {escape(note)}")
    return engine


def _lifecycle(s: Session, engine: "Engine") -> "Lifecycle":
    from provisioner.engine.operations import Lifecycle

    return Lifecycle.in_folder(s.provision_dir, engine, on_interrupt=_on_interrupt)


def _on_interrupt(count: int) -> None:
    if count == 1:
        err_console().print("[bold yellow]Ctrl-C:[/] asking Terraform to stop safely: it finishes what is in flight, "
                            "saves the state and releases the lock...", markup=True)
    else:
        err_console().print("[yellow]still stopping.[/] provision forwards Ctrl-C only once: a second interrupt "
                            "makes Terraform exit at once and can lose state. Waiting for it to finish.", markup=True)


def _unsynthesized(s: Session, ctx: "WorkspaceContext") -> "Stack":
    """The workspace's stack as it is on disk now, before synth (for checks that do not need the config)."""
    from provisioner.synthesis.stacks import on_disk

    return on_disk(s.org, ctx)


def _synth(s: Session, ctx: "WorkspaceContext", *, quiet: bool = False) -> "Stack":
    """Synthesize the workspace (reused when nothing that feeds it changed) and describe the result."""
    return _synth_many(s, [ctx], quiet=quiet)[0]


def _synth_many(s: Session, contexts: list["WorkspaceContext"], *, quiet: bool = False,
                cloud: bool = True) -> list["Stack"]:
    """Synthesize workspaces in one CDK app (one jsii start), reusing unchanged ones; one line each."""
    from provisioner.synthesis.stacks import synthesize_stacks

    stacks = []
    for stack, result in synthesize_stacks(s.org, contexts, state_root=s.state_root, cloud=cloud):
        if not quiet:
            how = "unchanged, reused" if result.reused else "synthesized"
            err_console().print(f"synth: {stack.name}: {result.resources} resources, {how} -> {escape(shown(result.config_path))}")
        stacks.append(stack)
    return stacks


def _load(s: Session, name: str) -> "WorkspaceContext":
    from provisioner.specs.workspaces import load_named

    return load_named(s.org, s.catalog, name)


def _bundle_json(bundle: "PlanBundle") -> dict[str, Any]:
    return {"workspace": bundle.workspace, "environment": bundle.environment, "kind": bundle.kind,
            "bundle": str(bundle.folder), "plan_hash": bundle.plan_sha256, "created": bundle.created,
            "made_by": bundle.made_by or None, "engine": bundle.engine, "state": bundle.state,
            "inputs": vars(bundle.inputs), "summary": bundle.summary}


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
    from provisioner.engine.fleet import plan_stack
    from provisioner.synthesis.stacks import refuse_stale_local_state

    assert name is not None
    with _audit(s, "plan", name) as entry:
        ctx = _load(s, name)
        entry.environment = ctx.environment
        _check_deploy_roles([ctx])
        chosen = _engine(s, engine)
        entry.engine = _describe(chosen)
        life = _lifecycle(s, chosen)
        refuse_stale_local_state(s.org, ctx, s.state_root)
        stack = _synth(s, ctx)
        with progress(f"terraform plan {name} ({chosen.label})"):
            bundle = plan_stack(life, stack, on_event=PlanProgress())
        entry.plan_hash = bundle.plan_sha256
        summary = bundle.plan_summary
        entry.result = "ok" if summary.has_changes else "no-changes"
        entry.detail["counts"] = summary.counts
    if output == OutputFormat.json:
        print_json(_bundle_json(bundle))
        return
    render_summary(summary, title=f"Plan for {name} ({ctx.environment}, {chosen.label}):")
    from provisioner.engine.summary import refuse_adoption_replacements

    refuse_adoption_replacements(summary, name)  # exit 3: an adoption never replaces what it adopts
    if summary.has_changes:
        console().print(f"Saved plan: {shown(bundle.folder)}  ->  review, then `provision apply {name}` "
                        f"(`provision show {name}` prints it again)")


def _check_deploy_roles(contexts: list) -> None:
    from provisioner.ds.workspace import check_deploy_roles

    check_deploy_roles(contexts)



def _plan_all(s: Session, changed_since: Optional[str], jobs: int, engine: Optional[str], output: OutputFormat) -> None:
    """Fleet plan: one synth for every workspace, then `jobs` Terraform plans at a time; failures are
    collected and reported together (exit 1 when any failed)."""
    from provisioner.engine.fleet import fleet_failure, plan_fleet

    contexts = s.workspaces(changed_since)
    if not contexts:
        console().print("no workspace to plan")
        return
    _check_deploy_roles(contexts)  # every environment's role, once, before any Terraform runs
    chosen = _engine(s, engine)
    life = _lifecycle(s, chosen)
    # Each workspace reaches its own cloud: a local cloud that is not running fails its workspaces only.
    stacks = _synth_many(s, contexts, quiet=output == OutputFormat.json, cloud=False)
    by_name = {ctx.name: ctx for ctx in contexts}

    def ready(stack: "Stack") -> "Stack":
        import dataclasses

        from provisioner.synthesis.stacks import cloud_env, refuse_stale_local_state

        ctx = by_name[stack.name]
        refuse_stale_local_state(s.org, ctx, s.state_root)
        return dataclasses.replace(stack, env=cloud_env(ctx))

    rows = plan_fleet(life, stacks, jobs=jobs, provision_dir=s.provision_dir, engine_label=_describe(chosen),
                      prepare=ready)
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
    failure = fleet_failure(rows)
    if failure is not None:
        raise failure


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
    try:
        return question()
    except typer.Abort:
        err_console().print("no answer (end of input); pass --yes to run without a prompt")
        return False


def _json_needs_yes(output: OutputFormat, yes: bool, verb: str) -> None:
    if output == OutputFormat.json and not yes:
        raise InvalidInput.single(ARGS, "--output", "json output cannot ask for confirmation",
                                  f"add --yes to {verb} without asking")


def apply(
    name: str = typer.Argument(..., help="Workspace whose saved plan to apply."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    skip_preflight: bool = typer.Option(False, "--skip-preflight", help="Skip the cloud preflight gate."),
    reviewed_commit: Optional[str] = typer.Option(
        None, "--reviewed-commit", help="CI on merge: apply only a bundle planned for this commit (the merged pull "
        "request's head) of the repository in PROVISION_REPOSITORY, untampered (plan_sha256, plan.json)."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """Apply the saved plan of a workspace (made by `provision plan`), and only that plan."""
    import os

    from provisioner.engine.bundle import REPOSITORY_VARIABLE, ReviewedPlan

    _json_needs_yes(output, yes, "apply")
    reviewed = (ReviewedPlan.of(reviewed_commit, os.environ.get(REPOSITORY_VARIABLE))
                if reviewed_commit is not None else None)
    s = session()
    with _audit(s, "apply", name) as entry:
        ctx = _load(s, name)
        entry.environment = ctx.environment
        chosen = _engine(s, engine)
        entry.engine = _describe(chosen)
        life = _lifecycle(s, chosen)
        bundle = life.load_bundle(name)
        entry.plan_hash = bundle.plan_sha256
        if reviewed is not None:  # tampered or foreign bundles are refused before anything runs
            from provisioner.engine.bundle import check_reviewed

            check_reviewed(bundle, reviewed)
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
            on_event=ApplyProgress(steps(summary)) if output == OutputFormat.text else None,
            reviewed=reviewed,
        )
        entry.result = {"applied": "ok", "nothing": "no-changes"}.get(outcome.status, outcome.status)
        if outcome.status in ("applied", "nothing"):
            from provisioner.audit.runner import record_applied

            # The audit's "what changes" compares the next config with this applied one.
            record_applied(s.provision_dir, name, stack.config_path)
        entry.detail["applied"] = len(outcome.done)
        entry.detail["not_applied"] = len(outcome.not_applied)
        report_outcome(outcome, output, verb="apply")


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
    wait_timeout: Optional[int] = typer.Option(
        None, "--wait-timeout", min=0, show_default=False,
        help="Seconds to wait, before Terraform runs, for the workspace's Studio apps to be deleted and its "
             "endpoint updates to settle. Default: 1200 for apps (AWS reports up to 20 min), 3600 for endpoints."),
    engine: Optional[str] = _engine_option,
    output: OutputFormat = _output_option,
) -> None:
    """Destroy a workspace's resources; protected stateful ones survive unless --include-protected.

    Before Terraform runs, the Studio apps in the workspace's spaces and user profiles are deleted (AWS refuses
    to delete a space or profile while one exists) and endpoint updates are waited out; after it, whatever is
    still tagged with the workspace is reported, and the command fails (exit 1) when something remains."""
    _json_needs_yes(output, yes, "destroy")
    if bool(name) == expired:
        raise InvalidInput.single(ARGS, "NAME", "give a workspace name or --expired, not both or neither",
                                  "for example: provision destroy churn-model")
    s = session()
    if not expired:
        assert name is not None
        _destroy_one(s, name, include_protected, yes, skip_preflight, engine, output, wait_timeout)
        return
    from provisioner.cli.fleet import parse_today
    from provisioner.fleet.selection import expiring

    due = [e for e in expiring(s.workspaces(), parse_today(today)) if e.expired]
    if not due:
        console().print("no expired workspaces")
        return
    console().print(f"expired: {', '.join(f'{e.name} (since {e.expires.isoformat()})' for e in due)}")
    # Each one goes through the usual destroy: its own plan, summary, typed confirmation and protections.
    for e in due:
        _destroy_one(s, e.name, include_protected, yes, skip_preflight, engine, output, wait_timeout)


def _destroy_one(s: Session, name: str, include_protected: bool, yes: bool, skip_preflight: bool,
                 engine: Optional[str], output: OutputFormat, wait_timeout: Optional[int] = None) -> None:
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
                                      on_event=PlanProgress(quiet_targeting=True))
        if dplan.bundle is None:
            entry.result = "no-changes"
            entry.detail["kept"] = sorted(dplan.kept)
            _report_nothing_to_destroy(name, dplan, output)
            return
        entry.plan_hash = dplan.bundle.plan_sha256
        from provisioner.cloud.decommission import read_destroy_plan

        facts = read_destroy_plan(dplan.bundle.plan_json)  # read now: the plan's folder goes with the apply
        outcome = life.apply_destroy(
            stack, dplan, context=ctx, gates=_gates(skip_preflight),
            confirm=_confirm_destroy(name, ctx, dplan, facts, yes, output, wait_timeout, entry.detail),
            on_event=ApplyProgress(steps(dplan.bundle.plan_summary), quiet_targeting=True)
            if output == OutputFormat.text else None,
        )
        entry.result = {"applied": "ok", "nothing": "no-changes"}.get(outcome.status, outcome.status)
        entry.detail["removed"] = [a for a, _ in outcome.done]
        entry.detail["kept"] = sorted(dplan.kept)
        left = _leftovers(ctx, dplan, facts, outcome) if outcome.ok and facts.in_aws else None
        if left is not None:
            entry.detail["leftovers"] = [r.arn for r in left.remaining]
        if output == OutputFormat.json:
            print_json({**outcome.to_dict(), "removed": [a for a, _ in outcome.done], "kept": dplan.kept,
                        "include_protected": include_protected,
                        "retained": entry.detail.get("retained", []),
                        "studio_apps_deleted": entry.detail.get("studio_apps_deleted", []),
                        "leftovers": left.to_dict() if left is not None else None})
            if not outcome.ok:
                from provisioner.engine.operations import outcome_error

                raise outcome_error(outcome)
        else:
            _report_destroy(name, dplan, outcome)
            for line in entry.detail.get("retained", []):
                console().print(f"retained on purpose: {escape(line)}")
        if left is not None:
            _fail_on_leftovers(name, left, output)


def _confirm_destroy(name: str, ctx: "WorkspaceContext", dplan: "DestroyPlan", facts: "DestroyPlanFacts", yes: bool,
                     output: OutputFormat, wait_timeout: Optional[int] = None, detail: Optional[dict] = None):
    def confirm(bundle: "PlanBundle") -> bool:
        if output == OutputFormat.text:
            render_summary(bundle.plan_summary, title=f"Destroy plan for {name} ({ctx.environment}):")
            _print_kept(name, dplan)
            if dplan.include_protected and dplan.protected:
                console().print(f"[bold red]--include-protected:[/] these protected resources will be deleted, "
                                f"with their data: {escape(', '.join(dplan.protected))}", markup=True)
        if not yes:
            typed = _ask(lambda: typer.prompt(f"Type the workspace name ({name}) to destroy it", default="",
                                              show_default=False, err=True))
            if not typed or typed.strip() != name:
                return False
        _clear_blockers(ctx, facts, dplan, output, wait_timeout, detail if detail is not None else {})
        if dplan.include_protected:
            _empty_containers(ctx, bundle, output)
        return True

    return confirm


def _clear_blockers(ctx: "WorkspaceContext", found: "DestroyPlanFacts", dplan: "DestroyPlan", output: OutputFormat,
                    wait_timeout: Optional[int], detail: dict) -> None:
    """What AWS keeps outside Terraform that would stop the destroy half-way (provisioner/cloud/decommission.py):
    the Studio apps of the spaces and profiles the plan deletes, and endpoint updates still running. A timeout
    raises before Terraform has destroyed anything."""
    from provisioner.cloud.decommission import APPS_TIMEOUT, ENDPOINTS_TIMEOUT, delete_studio_apps, retained, \
        settle_endpoints

    aws = None
    if found.studio or found.endpoints:
        from provisioner.cli.cloud import new_aws

        say = (lambda line: None) if output == OutputFormat.json else (lambda line: err_console().print(escape(line)))
        aws = new_aws(ctx)
        deleted = delete_studio_apps(aws, ctx.region, found.studio, say=say,
                                     timeout=APPS_TIMEOUT if wait_timeout is None else wait_timeout)
        detail["studio_apps_deleted"] = [app.label for app in deleted]
        settle_endpoints(aws, ctx.region, found.endpoints, say=say,
                         timeout=ENDPOINTS_TIMEOUT if wait_timeout is None else wait_timeout)
    detail["retained"] = retained(aws, ctx.region, found.studio, dplan.kept)


def _leftovers(ctx: "WorkspaceContext", dplan: "DestroyPlan", facts: "DestroyPlanFacts", outcome: "ApplyOutcome"):
    """What is still tagged with the workspace after its destroy (the inventory's tag search)."""
    from provisioner.cli.cloud import new_aws
    from provisioner.cloud.decommission import leftovers

    return leftovers(new_aws(ctx), ctx, facts.arns, removed=[a for a, _ in outcome.done], kept=list(dplan.kept))


def _fail_on_leftovers(name: str, left, output: OutputFormat) -> None:
    from provisioner.errors import OperationFailed

    if output == OutputFormat.text:
        for label, items in (("kept by AWS (records it never deletes)", left.kept_by_aws),
                             ("KMS keys pending deletion (AWS deletes them after their waiting period)",
                              left.pending_deletion)):
            if items:
                console().print(f"{label}: {escape(', '.join(r.name for r in items))}")
    if not left.remaining:
        if output == OutputFormat.text:
            console().print(f"no leftovers: nothing else is tagged with workspace {escape(name)}")
        return
    listing = "; ".join(f"{r.type} {r.name}" for r in left.remaining)
    raise OperationFailed(
        f"destroy of {name} left {len(left.remaining)} resource(s) still tagged with the workspace: {listing}",
        f"delete them (they were not created by this workspace's Terraform state, or survived it), then check with "
        f"`provision status {name}`")


def _empty_containers(ctx: "WorkspaceContext", bundle: "PlanBundle", output: OutputFormat) -> None:
    """AWS deletes no bucket, repository or registry that still holds data: empty the ones the plan deletes."""
    from provisioner.cli.cloud import new_aws
    from provisioner.cloud.emptying import containers_deleted_by, empty

    found = containers_deleted_by(bundle.plan_json)
    if found:
        say = (lambda line: None) if output == OutputFormat.json else (lambda line: console().print(escape(line)))
        empty(new_aws(ctx), ctx.env.region, found, say)


def removed_by_type(addresses: list[str], width: int = 100) -> list[str]:
    """What a destroy removed, counted by resource type and wrapped into lines of about `width` characters
    (every address is in `--output json` and .provision/audit.log): `12 aws_iam_role_policy, 3 aws_s3_bucket`."""
    import textwrap

    counts: dict[str, int] = {}
    for address in addresses:
        parts = address.split("[", 1)[0].split(".")
        kind = parts[-2] if len(parts) >= 2 else address  # module.m.aws_x.name -> aws_x
        counts[kind] = counts.get(kind, 0) + 1
    text = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)


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
        report_outcome(outcome, OutputFormat.text, verb="destroy")  # raises
    removed = [a for a, _ in outcome.done]
    console().print(f"[green]destroy complete[/] for {escape(name)}: removed {len(removed)} resource(s)"
                    + (":" if removed else ""), markup=True)
    for line in removed_by_type(removed):
        console().print(f"  {escape(line)}")
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
    output: OutputFormat = _output_option,
) -> None:
    """Release a state lock that a crashed run left behind (terraform force-unlock)."""
    _json_needs_yes(output, yes, "unlock")
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
    if output == OutputFormat.json:
        print_json({"workspace": name, "lock_id": lock_id, "released": True})
        return
    console().print(f"released lock {escape(lock_id)} on {escape(name)}")


# -- show -------------------------------------------------------------------------------------------

def show(
    name: str = typer.Argument(..., help="Workspace whose saved plan to show."),
    output: OutputFormat = _output_option,
) -> None:
    """Print the saved plan of a workspace again: who made it, against which state, whether it is still
    current, and what it changes, argument by argument. Runs no Terraform."""
    from provisioner.engine.audit_log import read
    from provisioner.engine.bundle import PlanStore, plan_status, provenance, provenance_lines
    from provisioner.synthesis.stacks import describe, stack_folder

    s = session()
    ctx = _load(s, name)
    bundle = PlanStore(s.provision_dir / "plans").load(name)
    stack = describe(s.org, ctx, stack_folder(s.org, name), cloud=False)
    status = plan_status(bundle, stack.inputs(), log=read(s.provision_dir), spec_file=stack.spec_display)
    record = provenance(bundle, status, shown(bundle.folder))
    if output == OutputFormat.json:
        print_json({**_bundle_json(bundle), "plan": record})
        return
    for line in provenance_lines(record):
        console().print(escape(line), soft_wrap=True)
    render_summary(bundle.plan_summary, title=f"{'Applied plan' if bundle.applied else 'Saved plan'} for {name}:",
                   limit=None)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("show")(show)
    app.command("apply")(apply)
    app.command("destroy")(destroy)
    app.command("unlock")(unlock)
