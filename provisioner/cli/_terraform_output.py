"""How Terraform's work looks on the terminal: live progress, plan summaries, apply outcomes.

Shared by `plan`, `apply`, `destroy` and `show` (provisioner/cli/lifecycle.py).
Progress goes to stderr as Terraform's `-json` events arrive; summaries and
outcomes go to stdout. A summary shows each changed argument's old and new value
as the plan summary holds them: sensitive values and secrets are already masked
there (provisioner.engine.argument_diff).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from provisioner.cli._output import OutputFormat, console, err_console, print_json
from provisioner.errors import shown

if TYPE_CHECKING:
    from provisioner.engine.operations import ApplyOutcome
    from provisioner.engine.summary import PlanSummary

SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "forget": ".", "import": "<="}
STYLE = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red", "forget": "dim",
         "import": "cyan"}
PAST = {"create": "created", "update": "updated", "delete": "destroyed", "replace": "replaced", "read": "read",
        "no-op": "unchanged", "import": "imported"}
GERUND = {"create": "creating", "update": "updating", "delete": "destroying", "replace": "replacing", "read": "reading",
          "import": "importing"}
QUIET_WARNINGS = ("Resource targeting is in effect", "Applied changes may be incomplete")
# Changed arguments shown per resource on the terminal; the rest are counted (`provision show NAME -o json` has all).
ARGUMENTS_SHOWN = 15


class PlanProgress:
    """Terraform's `-json` plan events, as a few lines on stderr (diagnostics) and a spinner."""

    def __init__(self, quiet_targeting: bool = False) -> None:
        self.quiet_targeting = quiet_targeting

    def __call__(self, event: dict[str, Any]) -> None:
        if event.get("type") == "diagnostic":
            print_diagnostic(event.get("diagnostic") or {}, self.quiet_targeting)


def print_diagnostic(diag: dict[str, Any], quiet_targeting: bool = False) -> None:
    summary = diag.get("summary", "")
    if quiet_targeting and any(summary.startswith(q) for q in QUIET_WARNINGS):
        return
    severity = diag.get("severity", "error")
    style = "red" if severity == "error" else "yellow"
    where = f" ({diag['address']})" if diag.get("address") else ""
    detail = " ".join((diag.get("detail") or "").split())
    err_console().print(f"[{style}]terraform {severity}:[/] {escape(summary)}{escape(where)}"
                        + (f"\n  {escape(detail[:400])}" if detail else ""), markup=True)


class ApplyProgress:
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
                long = _long_running(hook)
                out.print(f"  [dim]{action}[/] {address} ..." + (f" [dim]({escape(long.words())})[/]" if long else ""),
                          markup=True)
            elif kind == "apply_progress":
                long = _long_running(hook)
                elapsed = hook.get("elapsed_seconds", "?")
                against = f" of {_span(long)} expected" if long and isinstance(elapsed, (int, float)) else ""
                shown_elapsed = _clock(elapsed) if long and isinstance(elapsed, (int, float)) else f"{elapsed}s"
                out.print(f"  [dim]still {GERUND.get(action, action)} {address} ({shown_elapsed}{against})[/]",
                          markup=True)
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
                    print_diagnostic(diag, self.quiet_targeting)
            elif kind == "log" and "Interrupt received" in str(event.get("@message", "")):
                out.print("[yellow]Terraform: interrupt received, stopping gracefully...[/]", markup=True)


def _long_running(hook: dict[str, Any]):
    """The expected duration of the resource this event is about, when it is a long-running one."""
    from provisioner.engine.durations import expected, resource_type

    resource = hook.get("resource") or {}
    return expected(resource.get("resource_type") or resource_type(resource.get("addr", "")), hook.get("action", ""))


def _span(long) -> str:
    return f"{long.low_minutes}-{long.high_minutes} min" if long.low_minutes else f"up to {long.high_minutes} min"


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s"


def long_running_lines(summary: "PlanSummary") -> list[str]:
    """One line per change of a long-running resource: what AWS is reported to take and what the provider waits."""
    from provisioner.engine.durations import expected, resource_type

    lines = []
    for change in summary.changes:
        long = expected(resource_type(change.address), change.action)
        if long:
            lines.append(f"{change.address} ({change.action}): {long.words()}")
    return lines


def steps(summary: "PlanSummary") -> int:
    """How many resource operations Terraform reports for a plan (a replacement is a delete and a create)."""
    return sum(2 if c.action == "replace" else 1 for c in summary.changes)


def render_summary(summary: "PlanSummary", *, title: str, limit: int | None = ARGUMENTS_SHOWN) -> None:
    """Counts, then each resource with the old and new value of what changes in it, then the drift that
    matters; stateful replacements and deletions stand out."""
    from provisioner.engine.argument_diff import arguments_lines

    out = console()
    counts = summary.counts
    out.print(f"[bold]{escape(title)}[/]", markup=True)
    if not summary.has_changes:
        out.print("  No changes: the infrastructure matches the configuration.")
    else:
        out.print("  " + ", ".join(f"{counts[a]} to {a}" for a in ("create", "update", "replace", "delete"))
                  + (f"; {len(summary.imports)} existing resource(s) to import" if summary.imports else ""))
    for change in summary.changes:
        symbol = SYMBOL.get(change.action, "?")
        style = STYLE.get(change.action, "white")
        notes = []
        if change.replace_because:
            notes.append("replaced because of: " + ", ".join(change.replace_because))
        elif change.attributes and change.action == "update" and not change.arguments:
            notes.append("changes: " + ", ".join(change.attributes))
        if change.importing:
            notes.insert(0, f"imports the existing {change.importing}")
        line = f"  [{style}]{symbol:>3} {escape(change.address)}[/] [dim]{change.action}"
        line += f" ({escape('; '.join(notes))})" if notes else ""
        line += "[/]"
        if change.risky:
            what = "protected, " if change.protected else ""
            line += f"  [bold red]<- {what}stateful: its data is lost[/]"
        out.print(line, markup=True)
        for text in arguments_lines([a.to_dict() for a in change.arguments], limit=limit):
            out.print(f"        {escape(text)}", markup=True, soft_wrap=True)
    long = long_running_lines(summary)
    if long:
        out.print("  [dim]Long-running (do not interrupt; a re-run picks up where it stopped):[/]", markup=True)
        for text in long:
            out.print(f"    [dim]{escape(text)}[/]", markup=True)
    for output in summary.outputs:
        shown = " (sensitive, value hidden)" if output.sensitive else ""
        out.print(f"  [dim]output {escape(output.name)}: {output.action}{shown}[/]", markup=True)
    if summary.drift:
        out.print(f"  [yellow]Changed outside Terraform since the last apply ({len(summary.drift)} resource(s)); "
                  "the plan above may undo or respond to it:[/]", markup=True)
        for drift in summary.drift:
            if drift.action == "delete":
                out.print(f"    [yellow]{escape(drift.address)}[/]: deleted outside Terraform", markup=True)
                continue
            out.print(f"    [yellow]{escape(drift.address)}[/]", markup=True)
            for text in arguments_lines([c.to_dict() for c in drift.changes], limit=limit):
                out.print(f"        {escape(text)}", markup=True, soft_wrap=True)
    if summary.imports and not summary.adoption_replacements:
        out.print(f"  [green]adopted:[/] {len(summary.imports)} existing resource(s) imported, none replaced: "
                  + escape(", ".join(f"{c.address} <- {c.importing}" for c in summary.imports)), markup=True)
    if summary.risky:
        out.print(f"[bold red]warning:[/] {len(summary.risky)} stateful resource(s) will be replaced or deleted: "
                  + escape(", ".join(c.address for c in summary.risky)), markup=True)


def report_outcome(outcome: "ApplyOutcome", output: OutputFormat, *, verb: str) -> None:
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
                      f"{escape(shown(outcome.errored_state))}" + (f" (copy: {escape(shown(outcome.rescued_state))})"
                                                                 if outcome.rescued_state else ""), markup=True)
    if not outcome.ok:
        raise outcome_error(outcome)
