"""`provision open`: a presigned SageMaker Studio URL for a workspace member.

    provision open notebook-lab-ws --member carol@example.com

prints a URL that signs the member into Studio as their workspace profile
(valid for 5 minutes by default; the Studio session then lasts SageMaker's
default 12 hours). It says why it cannot instead: the workspace has no
notebooks capability, its environment no Studio domain, the person is not a
member, the credentials are for another account, the domain does not exist or
signs in through IAM Identity Center, or the profile was not applied yet.

The command picks the member and prints; provisioner/cloud/studio.py checks
the account and the domain and asks SageMaker for the URL, with warnings
(printed on stderr) about what the workspace cannot set itself. boto3 is
imported inside the command only (see provisioner.cloud.aws).
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict
from typing import TYPE_CHECKING, NoReturn, Optional

import typer

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, err_console, print_json
from provisioner.cloud.studio import DEFAULT_EXPIRES_SECONDS
from provisioner.errors import InvalidInput
from provisioner.models.org import ORG_FILE

if TYPE_CHECKING:
    from provisioner.cloud.aws import Aws
    from provisioner.models.resolved import WorkspaceContext

ARGS = "<command line>"


def new_aws(ctx: "WorkspaceContext") -> "Aws":
    """The AWS session of the workspace's environment (provisioner.cloud.access; adaptive retries)."""
    from provisioner.cloud.access import access_for

    return access_for(ctx).aws()


def _spec_file(ctx: "WorkspaceContext", root: os.PathLike[str] | str) -> str:
    if ctx.spec_path is None:
        return f"workspaces/{ctx.name}.yaml"
    try:
        return os.path.relpath(ctx.spec_path, root) if os.path.isabs(ctx.spec_path) else str(ctx.spec_path)
    except ValueError:
        return str(ctx.spec_path)


def pick_member(ctx: "WorkspaceContext", given: str | None, spec_file: str) -> str:
    """The member to open Studio for: `given` (any case), else the owner if a member, else the only member."""
    members = list(ctx.members)
    listed = ", ".join(members) or "none"
    if given is not None:
        for member in members:
            if member.lower() == given.strip().lower():
                return member
        _not_a_member(ctx, given, spec_file, listed)
    if ctx.owner.lower() in (m.lower() for m in members):
        return next(m for m in members if m.lower() == ctx.owner.lower())
    if len(members) == 1:
        return members[0]
    raise InvalidInput.single(ARGS, "--member", f"workspace {ctx.name!r} has {len(members)} members; say which one",
                              f"members: {listed}; for example --member {members[0] if members else 'EMAIL'}")


def _not_a_member(ctx: "WorkspaceContext", given: str, spec_file: str, listed: str) -> NoReturn:
    from provisioner.models.workspace import EMAIL

    if not re.match(EMAIL, given.strip()):
        raise InvalidInput.single(ARGS, "--member", f"{given!r} is not an email address",
                                  f"members of {ctx.name}: {listed}")
    raise InvalidInput.single(spec_file, "members", f"{given!r} is not a member of workspace {ctx.name!r}",
                              f"members: {listed}; to add them, add the address to `members:` and apply")


def open_studio(
    name: str = typer.Argument(..., help="Workspace name."),
    member: Optional[str] = typer.Option(
        None, "--member", "-m", help="Member's email address (default: the owner if a member, else the only member)."
    ),
    space: bool = typer.Option(False, "--space", help="Open the team's shared space instead of the Studio home."),
    expires: int = typer.Option(DEFAULT_EXPIRES_SECONDS, "--expires", min=5, max=300,
                                help="Seconds the URL may be used to sign in (5-300)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Print a presigned SageMaker Studio URL for a workspace member's profile."""
    from provisioner.cloud.studio import studio_url
    from provisioner.specs.workspaces import load_named

    s = session()
    ctx = load_named(s.org, s.catalog, name)
    spec_file = _spec_file(ctx, s.root)
    if not ctx.has("notebooks"):
        raise InvalidInput.single(spec_file, "blueprint",
                                  f"{ctx.blueprint.ref} has no notebooks capability, so workspace {name!r} has no Studio profiles",
                                  "use a blueprint with notebooks, for example notebook-lab@1.0.0")
    if ctx.env.studio is None:  # also a validation error; kept for workspaces resolved without the checks
        raise InvalidInput.single(spec_file, "environment", f"environment {ctx.environment!r} has no Studio domain",
                                  f"add `studio: {{domain_id: d-...}}` under environments.{ctx.environment} in {ORG_FILE}")
    chosen = pick_member(ctx, member, spec_file)
    result = studio_url(ctx, chosen, new_aws(ctx), shared_space=space, expires_in_seconds=expires)
    if output == OutputFormat.json:
        print_json(asdict(result))
        return
    from rich.markup import escape

    err = err_console()
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", markup=True, highlight=False)
    where = f"space {result.space}" if result.space else "Studio"
    err.print(f"{where} as {result.user_profile} ({result.member}); sign in within {result.expires_in_seconds} s:",
              markup=False, highlight=False)
    # The URL alone on stdout, so that `open "$(provision open NAME)"` works.
    console().print(result.url, markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("open")(open_studio)
