"""`provision audit`, `provision prices update`, `provision diff` and `provision upgrade`.

Heavy imports (the audit package, boto3, the CDK layer) happen inside the commands.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, report_format
from provisioner.errors import InvalidInput, PolicyBlocked
from provisioner.synthesis.synth import DEFAULT_OUT

ARGS = "<command line>"
_output_option = typer.Option(None, "--output", "-o", show_default=False,
                              help="`--output json` is `--format json`, as in every command.")


class ReportFormat(str, Enum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"
    sarif = "sarif"


class DiffFormat(str, Enum):
    text = "text"
    md = "md"
    json = "json"


def _emit(text: str, out: Optional[Path], what: str = "") -> None:
    """The report on stdout, or in `out`; `what` (for example "md audit report of churn-model") is said on
    stderr once it is written, so that a user and a CI log see where it went."""
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    if what:
        from provisioner.cli._output import err_console
        from provisioner.errors import shown

        err_console().print(f"wrote {shown(out)} ({what}, {len(text.encode('utf-8')):,} bytes)", markup=False,
                            highlight=False)


def _warn(message: str) -> None:
    from provisioner.cli._output import err_console

    err_console().print(f"[yellow]warning:[/] {message}", markup=True, highlight=False, soft_wrap=True)


def _synth(s, contexts, out_dir: Path):
    from provisioner.specs.model_sources import resolve_all
    from provisioner.synthesis.synth import synthesize

    # `latest-approved` resolves as in `provision synth` and `plan`, so the audit sees what will be planned.
    return synthesize(resolve_all(contexts), out_dir, state_root=s.state_root)


def audit(
    name: Optional[str] = typer.Argument(None, help="Workspace to audit."),
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="Report format."),
    output: Optional[OutputFormat] = _output_option,
    out: Optional[Path] = typer.Option(None, "--out", help="Write the report to this file instead of stdout."),
    checkov: bool = typer.Option(True, "--checkov/--no-checkov", help="Also run checkov (when installed)."),
    all_: bool = typer.Option(False, "--all", help="Audit every workspace (one synth for all); reports go to .provision/audit/NAME/."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", help="With --all: only workspaces whose spec, blueprint, org config or infra/ changed since this git ref."),
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, max=32, help="With --all: audits (checkov runs) at once."),
) -> None:
    """Audit a workspace's synthesized config (and its saved plan, if any): policy, IAM, cost, changes."""
    import os

    from provisioner.specs.workspaces import load_named

    format = ReportFormat(report_format(format.value, output))
    if bool(name) == all_:
        raise InvalidInput.single(ARGS, "NAME", "give a workspace name or --all, not both or neither",
                                  "for example: provision audit churn-model")
    if all_ and out is not None:
        raise InvalidInput.single(ARGS, "--out", "--all writes one report per workspace under .provision/audit/",
                                  "drop --out")
    if changed_since and not all_:
        raise InvalidInput.single(ARGS, "--changed-since", "only works with --all", "add --all")
    s = session()
    if not all_:
        ctx = load_named(s.org, s.catalog, name)
        [synth] = _synth(s, [ctx], (s.root / DEFAULT_OUT).resolve())
        text, blocking = _audit_one(s, ctx, synth.config_path, format, checkov, out)
        _emit(text, out, f"{format.value} audit report of {name}")
        if blocking:
            raise PolicyBlocked(
                f"{os.path.relpath(ctx.spec_path, s.root)}: suppressions: {blocking} unsuppressed policy error(s) "
                f"in workspace {name}",
                "fix them as the report says, or add a suppression (rule, resource, reason) to the spec if accepted on purpose",
            )
        return
    from concurrent.futures import ThreadPoolExecutor

    from provisioner.cli._output import console

    contexts = s.workspaces(changed_since)
    synths = _synth(s, contexts, (s.root / DEFAULT_OUT).resolve())
    suffix = {"text": "txt", "md": "md", "html": "html", "json": "json", "sarif": "sarif"}[format.value]

    def one(pair):
        ctx, synth = pair
        target = s.provision_dir / "audit" / ctx.name / f"report.{suffix}"
        text, blocking = _audit_one(s, ctx, synth.config_path, format, checkov, target)
        _emit(text, target)
        return ctx.name, blocking, target

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        rows = list(pool.map(one, zip(contexts, synths)))
    for workspace, blocking, target in rows:
        verdict = f"[red]{blocking} blocking error(s)[/]" if blocking else "[green]passed[/]"
        console().print(f"{workspace}: {verdict} -> {os.path.relpath(target)}", markup=True)
    blocked = [w for w, b, _ in rows if b]
    if blocked:
        raise PolicyBlocked(f"{len(blocked)} of {len(rows)} workspace(s) have unsuppressed policy errors: "
                            + ", ".join(blocked), "see each report, fix or suppress with a reason")


def _audit_one(s, ctx, config_path: Path, format: ReportFormat, checkov: bool, out: Optional[Path]) -> tuple[str, int]:
    """Audit one synthesized workspace: (the rendered report, number of blocking findings)."""
    from provisioner.audit.render import render
    from provisioner.audit.report import build_report
    from provisioner.audit.runner import applied_config_path, run_audit

    name = ctx.name
    plan = s.provision_dir / "plans" / name / "plan.json"
    audit_dir = s.provision_dir / "audit" / name
    summary, record = _saved_plan(s, ctx, config_path) if plan.is_file() else (None, None)
    result = run_audit(config_path, ctx=ctx, plan_path=plan if plan.is_file() else None,
                       previous_config_path=applied_config_path(s.provision_dir, name), checkov=checkov,
                       cache_dir=audit_dir, prices_path=s.provision_dir / "prices.json",
                       plan_summary=summary, plan_record=record)
    report = build_report(result, base_dir=s.root)
    full = audit_dir / "report.json"
    audit_dir.mkdir(parents=True, exist_ok=True)
    full.write_text(render(report, "json"), encoding="utf-8")
    svg = ""
    if format == ReportFormat.html:
        from provisioner.audit.graph import render_svg
        from provisioner.audit.secrets import Masker

        svg = Masker(result.workspace.canaries if result.workspace else ()).text(render_svg(result.config))
    text = render(report, format.value, svg=svg, full_report=str(full.relative_to(s.root)))
    for run in result.checkov:
        if run.status in ("missing", "failed"):
            _warn(f"{run.message}; the built-in rule pack ran")
    return text, len(result.blocking)


def _saved_plan(s, ctx, config_path: Path):
    """The saved plan's summary and which plan it is (made when, by whom, against which state; applied or
    stale), or (None, None) for a plan folder without a readable bundle."""
    from provisioner.engine.audit_log import read
    from provisioner.engine.bundle import PlanStore, plan_status, provenance
    from provisioner.errors import ProvisionError, shown
    from provisioner.synthesis.stacks import describe

    try:
        bundle = PlanStore(s.provision_dir / "plans").load(ctx.name)
    except ProvisionError:  # no bundle.json or plan file next to plan.json, or one that cannot be read
        return None, None
    stack = describe(s.org, ctx, config_path.parent, cloud=False)
    status = plan_status(bundle, stack.inputs(), log=read(s.provision_dir), spec_file=stack.spec_display)
    return bundle.summary, provenance(bundle, status, shown(bundle.folder))


prices_app = typer.Typer(help="The price table used by cost estimates.", no_args_is_help=True)


@prices_app.command("update")
def prices_update(
    region: list[str] = typer.Option([], "--region", help="Region to fetch (repeatable). Default: every region of the org's environments."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write the table (default: .provision/prices.json in the org)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Refresh SageMaker prices from the AWS Price List API (needs pricing:GetProducts)."""
    import json

    from provisioner.audit.cost import PriceTable
    from provisioner.audit.prices import fetch_prices, write_table
    from provisioner.cli._output import console

    s = session()
    regions = region or sorted({env.region for env in s.org.config.environments.values()})
    target = out or s.provision_dir / "prices.json"
    base = PriceTable.load(target if target.is_file() else None).data
    table = write_table(target, fetch_prices(regions), json.loads(json.dumps(base)))
    counts = {r: sum(len(v) for v in table["regions"][r].values()) for r in regions}
    if output == OutputFormat.json:
        from provisioner.cli._output import print_json

        print_json({"wrote": str(target), "prices": counts})
        return
    console().print(f"wrote {target} ({', '.join(f'{r}: {n} prices' for r, n in counts.items())})")


def _target_context(s, name: str, ref: str):
    """The workspace as it would be on blueprint `ref` (its spec unchanged otherwise), validated."""
    import re

    from provisioner.models.workspace import BLUEPRINT_REF
    from provisioner.specs.workspaces import load_spec, resolve, spec_path

    if "@" not in ref or not re.match(BLUEPRINT_REF, ref):
        raise InvalidInput.single(ARGS, "--to", f"{ref!r} is not BLUEPRINT@VERSION", "for example --to gpu-training@1.1.0")
    path = spec_path(s.org, name)
    spec = load_spec(path)
    target_spec = spec.model_copy(update={"blueprint": ref})
    return resolve(target_spec, s.org, s.catalog, str(path.relative_to(s.root)) + f" (with {ref})"), spec, path


def _upgrade_view(s, name: str, ref: str):
    from provisioner.audit.upgrade import compare
    from provisioner.specs.workspaces import load_named

    current = load_named(s.org, s.catalog, name)
    target, spec, path = _target_context(s, name, ref)
    [before] = _synth(s, [current], (s.root / DEFAULT_OUT).resolve())
    [after] = _synth(s, [target], (s.provision_dir / "upgrade" / name / ref.replace("@", "-")).resolve())
    view = compare(current, target, before.config_path, after.config_path, prices_path=s.provision_dir / "prices.json")
    return view, spec, path


def diff(
    name: str = typer.Argument(..., help="Workspace."),
    to: str = typer.Option(..., "--to", help="Target blueprint, BLUEPRINT@VERSION."),
    format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f"),
    output: Optional[OutputFormat] = _output_option,
    out: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of stdout."),
) -> None:
    """Show what moving a workspace to another blueprint version would add, change, replace and remove."""
    from provisioner.audit.upgrade import render_upgrade

    fmt = report_format(format.value, output)
    view, _, _ = _upgrade_view(session(), name, to)
    _emit(render_upgrade(view, fmt), out, f"{fmt} upgrade preview of {name} to {to}")


def upgrade(
    name: Optional[str] = typer.Argument(None, help="Workspace (or use --blueprint with --wave for a rollout)."),
    to: str = typer.Option(..., "--to", help="Target: BLUEPRINT@VERSION, or VERSION with --blueprint."),
    blueprint: Optional[str] = typer.Option(None, "--blueprint", help="Roll this blueprint out across its workspaces."),
    wave: str = typer.Option("canary", "--wave", help="With --blueprint: canary, N% or all."),
    accept_replacements: bool = typer.Option(
        False, "--accept-replacements", help="Upgrade even though stateful resources would be replaced or removed."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Move a workspace (or a wave of a blueprint's workspaces) to another blueprint version: validate,
    show the impact, rewrite the spec. A stateful replacement or a policy error stops it (exit 3)."""
    if bool(name) == bool(blueprint):
        raise InvalidInput.single(ARGS, "NAME", "give a workspace name, or --blueprint for a rollout, not both",
                                  "for example: provision upgrade --blueprint gpu-training --to 1.1.0 --wave canary")
    s = session()
    if blueprint:
        _upgrade_wave(s, blueprint, to, wave, accept_replacements, output)
        return
    assert name is not None
    done = _upgrade_one(s, name, to, accept_replacements, output)
    if output == OutputFormat.json:
        from provisioner.cli._output import print_json

        print_json({**done, "next": f"provision plan {name}"})
        return
    sys.stdout.write(f"Next: `provision plan {name}` for Terraform's verdict, then `provision apply {name}`.\n")


def _upgrade_one(s, name: str, to: str, accept_replacements: bool,
                 output: OutputFormat = OutputFormat.text) -> dict:
    """Preview and, when safe (or accepted), rewrite one workspace's spec; raise PolicyBlocked otherwise.

    Returns what was done, for `--output json`: the spec, the blueprint before and after, and the preview."""
    import json

    from provisioner.audit.upgrade import render_upgrade, rewrite_blueprint

    view, spec, path = _upgrade_view(s, name, to)
    if output == OutputFormat.text:
        sys.stdout.write(render_upgrade(view, "text"))
    if view.diff.stateful and not accept_replacements:
        raise PolicyBlocked(
            f"{path.relative_to(s.root)}: blueprint: moving to {to} replaces or removes stateful resources "
            f"({', '.join(c.address for c in view.diff.stateful)})",
            "back up what they hold, then rerun with --accept-replacements; `provision plan` shows Terraform's verdict",
        )
    if view.blocking:
        raise PolicyBlocked(
            f"{path.relative_to(s.root)}: blueprint: {to} would have {len(view.blocking)} unsuppressed policy error(s) "
            f"for this workspace ({', '.join(sorted({f.rule_id for f in view.blocking}))})",
            "fix the blueprint version, or add suppressions with reasons; `provision diff` lists them",
        )
    rewrite_blueprint(path, spec.blueprint, to, validate=lambda: _target_context(s, name, to))
    if output == OutputFormat.text:
        sys.stdout.write(f"\n{path.relative_to(s.root)}: blueprint {spec.blueprint} -> {to}.\n")
    return {"workspace": name, "spec": str(path.relative_to(s.root)), "from": spec.blueprint, "to": to,
            "preview": json.loads(render_upgrade(view, "json"))}


def _upgrade_wave(s, blueprint: str, to: str, wave_text: str, accept_replacements: bool,
                  output: OutputFormat = OutputFormat.text) -> None:
    """One wave of a rollout; stops at the first workspace whose preview is unsafe. Recorded in the audit log."""
    from provisioner.cli._output import print_json
    from provisioner.engine.audit_log import audited
    from provisioner.fleet.waves import Wave, plan_wave

    say = sys.stdout.write if output == OutputFormat.text else (lambda text: None)
    wave = Wave.parse(wave_text)
    version = to.split("@", 1)[1] if "@" in to else to
    if "@" in to and to.split("@", 1)[0] != blueprint:
        raise InvalidInput.single(ARGS, "--to", f"{to!r} is another blueprint than --blueprint {blueprint}",
                                  f"use --to {version}")
    target_ref = s.catalog.resolve(f"{blueprint}@{version}", file=ARGS, field="--to").blueprint.ref
    plan = plan_wave(s.workspaces(), blueprint, version, Wave.parse(wave_text),
                     list(s.org.config.environments))
    done: list[dict] = []
    with audited(s.provision_dir, "upgrade-wave", "*") as entry:
        entry.detail.update({"blueprint": blueprint, "to": target_ref, "wave": wave.describe(),
                             "selected": [c.name for c in plan.selected], "upgraded": []})
        if not plan.selected:
            entry.result = "no-changes"
            say(f"Wave {wave.describe()} of {target_ref}: nothing to upgrade "
                f"({len(plan.on_target)} already on it, {len(plan.remaining)} waiting).\n")
        else:
            say(f"Wave {wave.describe()} of {target_ref}: {', '.join(c.name for c in plan.selected)} "
                f"({len(plan.on_target)} already on it).\n")
            for ctx in plan.selected:
                say(f"\n== {ctx.name} ({ctx.environment}) ==\n")
                try:
                    done.append(_upgrade_one(s, ctx.name, target_ref, accept_replacements, output))
                except PolicyBlocked as exc:
                    entry.detail["stopped_at"] = ctx.name
                    left = [c.name for c in plan.selected
                            if c.name not in entry.detail["upgraded"] and c.name != ctx.name]
                    raise PolicyBlocked(
                        f"wave stopped at {ctx.name}: {exc.message}",
                        f"upgraded before the stop: {', '.join(entry.detail['upgraded']) or 'none'}; "
                        f"not attempted: {', '.join(left) or 'none'}. {exc.hint}",
                    ) from None
                entry.detail["upgraded"].append(ctx.name)
            entry.result = "ok"
    if output == OutputFormat.json:
        print_json({"blueprint": blueprint, "to": target_ref, "wave": wave.describe(), "upgraded": done,
                    "already_on_target": list(plan.on_target), "waiting": list(plan.remaining)})
        return
    if not plan.selected:
        return
    waiting = f"; still on older versions: {', '.join(plan.remaining)}" if plan.remaining else ""
    say(f"\nWave {wave.describe()} done: {', '.join(entry.detail['upgraded'])} now on {target_ref}{waiting}.\n"
        f"Next: `provision plan --all --changed-since HEAD`, review, apply; then the next wave.\n")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.add_typer(prices_app, name="prices")
    app.command("diff")(diff)
    app.command("upgrade")(upgrade)
