"""`provision synth`: workspaces -> Terraform JSON, through the CDK layer."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Optional

import typer

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json, progress
from provisioner.errors import InvalidInput
from provisioner.synthesis.synth import DEFAULT_OUT


def synth(
    name: Optional[str] = typer.Argument(None, help="Workspace to synthesize."),
    all_: bool = typer.Option(False, "--all", help="Synthesize every workspace (one process, one CDK app)."),
    out: Optional[Path] = typer.Option(None, "--out", help=f"Output folder (default: {DEFAULT_OUT} in the org folder)."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", help="With --all: only workspaces whose spec, blueprint, org config or infra/ changed since this git ref."
    ),
    force: bool = typer.Option(False, "--force", help="Synthesize even when nothing that feeds it changed."),
    notes: bool = typer.Option(False, "--notes", help="With --all: print every workspace's synth notes."),
    offline: bool = typer.Option(False, "--offline", help="Do not ask SageMaker which model package is latest-approved."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Synthesize workspaces into DIR/stacks/NAME/cdk.tf.json (one stack and one state each)."""
    from provisioner.specs.workspaces import load_named, workspace_files
    from provisioner.synthesis.synth import start_ahead, synthesize

    if bool(name) == all_:
        raise InvalidInput.single("<command line>", "NAME", "give a workspace name or --all, not both or neither",
                                  "for example: provision synth churn-model")
    if changed_since and not all_:
        raise InvalidInput.single("<command line>", "--changed-since", "only works with --all",
                                  "for example: provision synth --all --changed-since origin/main")
    s = session()
    out_dir = (out or s.root / DEFAULT_OUT).resolve()
    # A fleet synth that will surely run starts its workers now: their start overlaps the loading below.
    workers = start_ahead([p.stem for p in workspace_files(s.org)], out_dir, force=force) \
        if all_ and not changed_since else None
    try:
        contexts = s.workspaces(changed_since) if all_ else [load_named(s.org, s.catalog, name)]
        if changed_since and not contexts:
            console().print(f"no workspace changed since {changed_since}")
            return
        from provisioner.specs.model_sources import resolve_all

        contexts = resolve_all(contexts, offline=offline)
        what = f"synth: {len(contexts)} workspace{'s' if len(contexts) != 1 else ''}"
        with progress(what) if output == OutputFormat.text else nullcontext():
            results = synthesize(contexts, out_dir, state_root=s.state_root, force=force, workers=workers)
    finally:
        if workers is not None:
            workers.close()
    if output == OutputFormat.json:
        print_json([{"workspace": r.name, "config": str(r.config_path), "resources": r.resources,
                     "reused": r.reused, "notes": list(r.notes)} for r in results])
        return
    for r in results:
        how = "unchanged, reused" if r.reused else "synthesized"
        console().print(f"{r.name}: {r.resources} resources, {how} -> {os.path.relpath(r.config_path)}")
        if len(results) == 1 or notes:
            for note in r.notes:
                console().print(f"  note: {note}")
        elif r.notes:
            console().print(f"  {len(r.notes)} note(s): see them with `provision synth {r.name}` or --notes")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
