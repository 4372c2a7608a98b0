"""`provision init`: the files of a new org repository, checked before anything is written.

An org repository holds the org config (`provision.yaml`), the workspace specs (`workspaces/`), the
platform team's own blueprints if any, and the CI workflow. `init` writes all of it at once or nothing:
the org config is validated as the org config model before a file is written, no existing file is ever
replaced, and the written repository is loaded back as `provision` will load it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from provisioner.errors import InvalidInput, Problem

GUARDRAIL_DEFAULTS = {
    "training_instance_types": ["ml.g5.xlarge", "ml.g5.2xlarge", "ml.g4dn.xlarge"],
    "serving_instance_types": ["ml.m5.large", "ml.c5.xlarge", "ml.g4dn.xlarge"],
    "notebook_instance_types": ["ml.t3.medium", "ml.m5.large"],
    "max_training_instances": 2,
    "max_endpoint_instances": 4,
    "max_monthly_budget_usd": 2000,
    "max_training_runtime_hours": 24,
    "max_idle_minutes": 120,
}


@dataclass(frozen=True)
class OrgAnswers:
    """What `init` asks for: one environment to start with (add more to provision.yaml later)."""

    org: str
    account_id: str
    region: str
    environment: str = "dev"
    state_bucket: str = ""  # default: <org>-provision-state-<environment>
    required_tags: list[str] = field(default_factory=lambda: ["cost-center"])

    @property
    def bucket(self) -> str:
        return self.state_bucket or f"{self.org}-provision-state-{self.environment}"


def _q(value: str) -> str:
    """A YAML scalar written as a JSON string: quoted, so `012345678901` stays text and `on` stays `on`."""
    return json.dumps(value)


def org_config_text(a: OrgAnswers) -> str:
    g = GUARDRAIL_DEFAULTS
    tags = ", ".join(_q(t) for t in a.required_tags)
    return f"""\
# The org config of `provision`: environments, guardrails and required tags.
# Every field is described in the org config reference (docs/reference/org-config.md of provision),
# and `provision validate` checks this file together with every workspace.

# Prefix of every cloud resource name: 2-12 lowercase letters, digits and hyphens. Never change it
# once workspaces exist (names are an API: changing them replaces resources).
org: {_q(a.org)}

# Terraform engine: auto (a terraform/tofu 1.10+ on PATH, else the embedded one), terraform, tofu, embedded.
engine: auto

# One AWS account and region per environment. Each workspace picks one (`--env`) and keeps its own
# Terraform state: `<key_prefix>/<workspace>/terraform.tfstate` in the environment's state bucket.
# `provision bootstrap {a.environment}` creates the bucket (versioned, encrypted, private).
# Add more environments (prod, sandbox, ...) as more blocks below this one.
environments:
  {_q(a.environment)}:
    account_id: {_q(a.account_id)}
    region: {_q(a.region)}
    state:
      backend: s3
      bucket: {_q(a.bucket)}
      key_prefix: workspaces

# Tag keys every workspace must supply (`provision request ... --tag cost-center=cc-1234`).
required_tags: [{tags}]

# Limits no workspace may exceed: checked when a workspace is requested or validated, and enforced by
# IAM in the account (a training job outside them is denied, whoever starts it). Widen them here.
guardrails:
  training_instance_types: [{", ".join(g["training_instance_types"])}]
  serving_instance_types: [{", ".join(g["serving_instance_types"])}]
  notebook_instance_types: [{", ".join(g["notebook_instance_types"])}]
  max_training_instances: {g["max_training_instances"]}
  max_endpoint_instances: {g["max_endpoint_instances"]}
  max_monthly_budget_usd: {g["max_monthly_budget_usd"]}
  max_training_runtime_hours: {g["max_training_runtime_hours"]}
  max_idle_minutes: {g["max_idle_minutes"]}

# Your own blueprints: folders relative to this file, laid out as <name>/<version>.yaml.
# They are added to the blueprints that ship with provision (`provision blueprints list`).
blueprint_paths: []
"""


GITIGNORE = """\
# provision: synthesized Terraform, saved plans, local state and caches are outputs, never sources.
cdktf.out/
.provision/
*.tfplan
*.tfstate
*.tfstate.*
.terraform/
.terraform.lock.hcl
"""

WORKSPACES_README = """\
# Workspaces

One file per workspace, `<name>.yaml`, written by `provision request` and changed through review like code.
"""


def _variables(a: OrgAnswers) -> str:
    from provisioner.fleet.ci import workflow_variables

    return " and ".join(f"`{v}`" for v in workflow_variables([a.environment]))


def readme_text(a: OrgAnswers) -> str:
    return f"""\
# {a.org}: ML workspaces with provision

This repository holds the org's cloud workspaces for ML teams. `provision` turns each spec in
`workspaces/` into its own Terraform stack, from a versioned blueprint and inside the guardrails of
`provision.yaml`.

## For the platform team

Install the tool (Python 3.11+), then check this machine; `--fix` installs what is missing
(Node.js 22 for the CDK layer, checkov for audits) into `~/.cache/provision`:

```console
pipx install provisioner-ml     # or: uv tool install provisioner-ml (the command is `provision`)
provision doctor --fix
```

Create the state bucket of an environment once, with credentials for its account:

```console
provision bootstrap {a.environment}
```

A data scientist (or you) requests a workspace; review it like code:

```console
provision blueprints list
provision request churn-model --blueprint gpu-training --env {a.environment} --owner you@example.com \\
  --team ml --tag {a.required_tags[0] if a.required_tags else "cost-center"}=cc-1234
provision validate
provision synth churn-model
provision audit churn-model
provision plan churn-model && provision apply churn-model
```

Pull requests run `.github/workflows/provision.yml` (written by `provision ci github`): validate, then
per changed workspace an audit comment and a saved plan; merging applies exactly the reviewed plans.
It reads the repository variables {_variables(a)}: the org's package index that
holds provisioner-ml (the workflow installs exactly the version that wrote it, from there only), the
read-only plan role pull requests assume and the deploy role merges assume in the GitHub environment
`{a.environment}` (`provision bootstrap {a.environment}` creates both once `github_repository` is set in
provision.yaml).

## Files

| path | what |
|---|---|
| `provision.yaml` | environments (account, region, state bucket), guardrails, required tags |
| `workspaces/` | one spec per workspace |
| `.github/workflows/provision.yml` | CI: validate, audit, plan on pull requests; apply on merge |
| `.gitignore` | outputs and local state never enter git |
"""


def files(a: OrgAnswers, *, branch: str = "main") -> dict[str, str]:
    """Relative path -> text of every file `init` writes."""
    from provisioner.fleet.ci import PLAN_STORE_FOLDER, WORKFLOW_FILE, CiEnvironment, render_github_workflow

    return {
        "provision.yaml": org_config_text(a),
        "workspaces/README.md": WORKSPACES_README,
        ".gitignore": GITIGNORE,
        "README.md": readme_text(a),
        WORKFLOW_FILE: render_github_workflow(default_branch=branch, environments={
            a.environment: CiEnvironment(a.region, f"s3://{a.bucket}/workspaces/{PLAN_STORE_FOLDER}")}),
    }


def check(a: OrgAnswers, target: Path) -> None:
    """Validate the org config `init` would write as `provision` will read it; raise every problem at once."""
    import yaml
    from pydantic import ValidationError

    from provisioner.models._base import problems_from_validation
    from provisioner.models.org import OrgConfig

    config_file = target / "provision.yaml"
    try:
        OrgConfig.model_validate(yaml.safe_load(org_config_text(a)))
    except ValidationError as exc:
        raise InvalidInput(problems_from_validation(_shown(config_file), exc, model=OrgConfig)) from None


def refuse_existing(target: Path, names: list[str]) -> None:
    existing = [name for name in names if (target / name).exists()]
    if existing:
        raise InvalidInput([Problem(_shown(target / name), "", "already exists; init never overwrites a file",
                                    "init a new folder, or move the file away first") for name in existing])


def write(target: Path, contents: dict[str, str]) -> list[Path]:
    """Write every file, or none: all are written to a staging folder first, then moved into place."""
    refuse_existing(target, list(contents))
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix=".provision-init-", dir=target) as staging:
        for name, text in contents.items():
            path = Path(staging) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            for name in contents:
                final = target / name
                final.parent.mkdir(parents=True, exist_ok=True)
                if final.exists():  # appeared since the check: leave it, undo ours
                    raise InvalidInput.single(_shown(final), "", "appeared while init was writing; nothing was kept",
                                              "run init again")
                os.replace(Path(staging) / name, final)
                written.append(final)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
    return written


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
