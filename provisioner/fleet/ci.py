"""Generates the CI workflow that fans `provision` out over changed workspaces on GitHub Actions.

Trust boundaries (docs/security.md, "CI"): a pull request's code is untrusted until it is reviewed and
merged, so

- pull requests plan with the environment's **plan role** (`vars.PROVISION_<ENV>_PLAN_ROLE_ARN`: read-only,
  state read and lock, the plan store), which IAM lets only `repo:<owner>/<repo>:pull_request` assume;
- merges apply with the environment's **apply role** (`vars.PROVISION_<ENV>_ROLE_ARN`, the deploy role), in
  the GitHub environment of the same name, which IAM lets only `repo:<owner>/<repo>:environment:<env>`
  assume: prod's required reviewers stand between a merge and prod's role;
- `permissions: {}` at the top, and each job is granted only what it uses (`id-token: write` where a role is
  assumed, `pull-requests: write` where the audit is commented); checkout keeps no token
  (`persist-credentials: false`);
- every action is pinned to a full commit SHA (`ACTIONS` below, the tag in a comment; `provision ci pins`
  shows where each came from and `--verify` compares with `git ls-remote`);
- applies of an environment run one at a time in the order of the merges and are never cancelled
  (`cancel-in-progress: false`): each merge applies what it changed;
- `cloud: local` environments (the local cloud on one machine) get no job and no role.

The reviewed plan is the applied plan: the plan job stores its bundle in the environment's plan store (the
state bucket, KMS-encrypted) under the pull request's head commit; the apply job finds the merged pull
request of the pushed commit, takes the bundle of its head commit (same repository) and `provision apply
--reviewed-commit` refuses a bundle that was tampered with, made for another commit or repository, or is
stale (engine/bundle.py).

The file is written for people to read: every step spelled out where it is used (no YAML anchors or
aliases), and the install step pins the build of provision that wrote it, so CI runs the same tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

WORKFLOW_FILE = ".github/workflows/provision.yml"
TERRAFORM_VERSION = "1.15.5"
PLAN_STORE_FOLDER = "plans"  # under the environment's state key prefix: s3://<bucket>/<prefix>/plans/<sha>/<workspace>/


@dataclass(frozen=True)
class PinnedAction:
    """A third-party action at the commit its tag named when we read it (`git ls-remote` shows it today)."""

    repository: str
    tag: str
    commit: str
    source: str  # where the commit was read, and when

    @property
    def uses(self) -> str:
        return f"{self.repository}@{self.commit}"

    def check_command(self, url: str = "https://github.com/{repository}") -> list[str]:
        """The command that prints the commit the tag names now (a lightweight tag: one line)."""
        owner, name = self.repository.split("/")
        return ["git", "ls-remote", url.format(repository=self.repository, owner=owner, name=name),
                f"refs/tags/{self.tag}", f"refs/tags/{self.tag}^{{}}"]


_READ = "tag read from a mirror of the repository on 2026-12-08 (git rev-parse TAG^{commit}); tag commit date "
# The one table of actions the workflow uses. Change a pin here only after `provision ci pins --verify`.
ACTIONS: dict[str, PinnedAction] = {a.repository: a for a in (
    PinnedAction("actions/checkout", "v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1", _READ + "2026-07-17"),
    PinnedAction("actions/setup-python", "v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97", _READ + "2026-07-19"),
    PinnedAction("actions/setup-node", "v7.0.0", "820762786026740c76f36085b0efc47a31fe5020", _READ + "2026-07-13"),
    PinnedAction("hashicorp/setup-terraform", "v4.0.1", "dfe3c3f87815947d99a8997f908cb6525fc44e9e",
                 _READ + "2026-05-12"),
    PinnedAction("aws-actions/configure-aws-credentials", "v6.2.3", "e6de054238d6b7531b4efff3b6587d9aade6a06c",
                 _READ + "2026-07-22"),
)}


@dataclass(frozen=True)
class CiEnvironment:
    """What the workflow needs of one AWS environment: its region and where its plan bundles are kept."""

    region: str
    plan_store: str  # s3://<state bucket>/<state key prefix>/plans


def ci_environments(config: Any) -> dict[str, CiEnvironment]:
    """The environments CI plans and applies: AWS ones with a state bucket (never `cloud: local`, whose
    cloud lives on one machine, nor local state, which CI runners cannot share)."""
    found = {}
    for name, env in config.environments.items():
        if env.is_local or env.state.backend != "s3" or not env.state.bucket:
            continue
        prefix = env.state.key_prefix.strip("/")
        found[name] = CiEnvironment(env.region, f"s3://{env.state.bucket}/{prefix + '/' if prefix else ''}"
                                                f"{PLAN_STORE_FOLDER}")
    return found


INDEX_VARIABLE = "PROVISION_INDEX_URL"


def default_install() -> str:
    """Install exactly this build of provision in CI (the one that generated the workflow), from the org's own
    package index only (`vars.PROVISION_INDEX_URL`; unset, pip fails rather than asking a public index).
    `provision ci github --install` takes another command, for example a wheel pinned by its hash:
    `pip install "provisioner-ml @ https://.../provisioner_ml-0.1.0-py3-none-any.whl#sha256=..."`."""
    from provisioner.runtime.versions import install_requirement

    return f'pip install --index-url "${{{{ vars.{INDEX_VARIABLE} }}}}" "{install_requirement()}"'


def render_github_workflow(*, install: str | None = None, default_branch: str = "main",
                           environments: dict[str, CiEnvironment] | None = None) -> str:
    """The workflow file's text: YAML without anchors or aliases, keys in the order written, and each
    pinned action's tag in a comment after its commit."""
    import yaml

    class Plain(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # steps shared by jobs are written out in each job
            return True

    body = yaml.dump(github_workflow(environments=environments, install=install or default_install(),
                                     default_branch=default_branch),
                     Dumper=Plain, sort_keys=False, width=200)
    for action in ACTIONS.values():
        body = re.sub(rf"(uses: {re.escape(action.uses)})$", rf"\1  # {action.tag}", body, flags=re.M)
    return "# Generated by `provision ci github`. Trust boundaries: docs/security.md (CI).\n" + body


def role_variable(environment: str) -> str:
    """The GitHub Actions variable holding the environment's apply (deploy) role, assumed only on merge."""
    return f"PROVISION_{environment.upper()}_ROLE_ARN"


def plan_role_variable(environment: str) -> str:
    """The GitHub Actions variable holding the environment's read-only plan role, assumed on pull requests."""
    return f"PROVISION_{environment.upper()}_PLAN_ROLE_ARN"


def workflow_variables(environments: list[str], *, install: str | None = None) -> list[str]:
    """Every repository variable the workflow reads (init's README lists them)."""
    index = [INDEX_VARIABLE] if INDEX_VARIABLE in (install or default_install()) else []
    return index + [v for env in environments for v in (plan_role_variable(env), role_variable(env))]


def _credentials(variable: str, region: str) -> dict[str, Any]:
    return {"uses": ACTIONS["aws-actions/configure-aws-credentials"].uses,
            "with": {"role-to-assume": f"${{{{ vars.{variable} }}}}", "aws-region": region,
                     # CloudTrail names the run that acted (the role session name).
                     "role-session-name": "provision-${{ github.run_id }}-${{ github.run_attempt }}"}}


def github_workflow(*, environments: dict[str, CiEnvironment] | None = None, python: str = "3.11",
                    install: str = 'pip install "provisioner-ml"', default_branch: str = "main",
                    org_dir: str = ".") -> dict[str, Any]:
    """The workflow (see the module docstring); `environments` are the AWS environments CI deploys."""
    from provisioner.audit.checkov import CHECKOV_VERSION

    environments = environments if environments is not None else {}
    setup = [
        {"uses": ACTIONS["actions/checkout"].uses, "with": {"fetch-depth": 0, "persist-credentials": False}},
        {"uses": ACTIONS["actions/setup-python"].uses, "with": {"python-version": python}},
        {"uses": ACTIONS["actions/setup-node"].uses, "with": {"node-version": "22"}},
        {"uses": ACTIONS["hashicorp/setup-terraform"].uses,
         "with": {"terraform_version": TERRAFORM_VERSION, "terraform_wrapper": False}},
        {"name": "Install provision", "run": install},
    ]
    defaults = {"run": {"working-directory": org_dir}}
    # provision acts as the role this job assumed (the plan or the apply role), never chaining into another.
    ambient = {"PROVISION_CREDENTIALS": "ambient"}

    def changed(env: str, since: str) -> str:
        return f'echo "{env}=$(provision changed --since "{since}" --env {env} --output json)" >> "$GITHUB_OUTPUT"'

    pr_base = "origin/${{ github.base_ref || '%s' }}" % default_branch
    steps: list[dict[str, Any]] = [{"name": "Validate every workspace", "run": "provision validate"}]
    if environments:
        steps.append({"id": "changed", "name": "Workspaces changed by this pull request, per environment",
                      "if": "github.event_name == 'pull_request'",
                      "run": "\n".join(changed(env, pr_base) for env in environments)})
        steps.append({"id": "merged", "name": "Workspaces changed by the merge, per environment",
                      "if": "github.event_name == 'push'",
                      "run": "\n".join(changed(env, "${{ github.event.before }}") for env in environments)})
    outputs = {env: f"${{{{ steps.changed.outputs.{env} || steps.merged.outputs.{env} }}}}" for env in environments}
    changes: dict[str, Any] = {"runs-on": "ubuntu-latest", "permissions": {"contents": "read"},
                               "defaults": defaults}
    if outputs:
        changes["outputs"] = outputs
    jobs: dict[str, Any] = {"changes": {**changes, "steps": setup + steps}}
    head = "${{ github.event.pull_request.head.sha }}"
    for env, target in environments.items():
        matrix = f"${{{{ fromJSON(needs.changes.outputs.{env}) }}}}"
        has_work = f"needs.changes.outputs.{env} != '[]' && needs.changes.outputs.{env} != ''"
        store = f"{target.plan_store}/{head}/${{{{ matrix.workspace }}}}/"
        jobs[f"plan-{env}"] = {
            "if": f"github.event_name == 'pull_request' && {has_work}",
            "needs": "changes",
            "runs-on": "ubuntu-latest",
            "permissions": {"contents": "read", "id-token": "write", "pull-requests": "write"},
            "defaults": defaults,
            "strategy": {"fail-fast": False, "matrix": {"workspace": matrix}},
            "steps": setup + [
                _credentials(plan_role_variable(env), target.region),
                {"name": "Install checkov for the audit (its own environment)",
                 "run": f"pipx install checkov=={CHECKOV_VERSION}"},
                {"name": "Plan (read-only role)", "env": {**ambient, "PROVISION_REVIEWED_COMMIT": head,
                                                           "PROVISION_REPOSITORY": "${{ github.repository }}"},
                 "run": "provision plan ${{ matrix.workspace }}"},
                # After the plan, so that the comment shows its changes and names it (hash, maker, state serial).
                {"name": "Audit", "if": "always()", "env": ambient,
                 "run": "provision audit ${{ matrix.workspace }} --format md --out audit.md"},
                {"name": "Comment the audit on the pull request", "if": "always()",
                 "env": {"GH_TOKEN": "${{ github.token }}"},
                 "run": 'gh pr comment "${{ github.event.pull_request.number }}" --body-file audit.md'},
                # The bundle embeds state: it goes to the state bucket (KMS), not to a downloadable artifact.
                {"name": "Keep the plan bundle under the pull request's head commit",
                 "run": f'aws s3 cp --recursive --sse aws:kms ".provision/plans/${{{{ matrix.workspace }}}}" "{store}"'},
            ],
        }
        merged = "${{ steps.reviewed.outputs.sha }}"
        jobs[f"apply-{env}"] = {
            "if": f"github.event_name == 'push' && github.ref == 'refs/heads/{default_branch}' && {has_work}",
            "needs": "changes",
            "runs-on": "ubuntu-latest",
            "environment": env,
            "permissions": {"contents": "read", "id-token": "write", "pull-requests": "read"},
            # One apply per environment at a time, in merge order, never cancelled by a newer merge.
            "concurrency": {"group": f"provision-apply-{env}", "cancel-in-progress": False},
            "defaults": defaults,
            "strategy": {"fail-fast": False, "max-parallel": 4, "matrix": {"workspace": matrix}},
            "steps": setup + [
                {"id": "reviewed", "name": "Head commit of the merged pull request (same repository only)",
                 "env": {"GH_TOKEN": "${{ github.token }}"},
                 "run": "\n".join([
                     'sha=$(gh api "repos/${{ github.repository }}/commits/${{ github.sha }}/pulls" --jq '
                     "'[.[] | select(.merged_at != null and .head.repo.full_name == \"${{ github.repository }}\")]"
                     " | .[0].head.sha // empty')",
                     'test -n "$sha" || { echo "no merged pull request of this repository for ${{ github.sha }}"; exit 1; }',
                     'echo "sha=$sha" >> "$GITHUB_OUTPUT"',
                 ])},
                _credentials(role_variable(env), target.region),
                {"name": "Fetch the reviewed plan bundle",
                 "run": f'aws s3 cp --recursive "{target.plan_store}/{merged}/${{{{ matrix.workspace }}}}/" '
                        '".provision/plans/${{ matrix.workspace }}"'},
                {"name": "Apply the reviewed plan", "env": {**ambient, "PROVISION_REPOSITORY": "${{ github.repository }}"},
                 "run": f'provision apply ${{{{ matrix.workspace }}}} --yes --reviewed-commit "{merged}"'},
            ],
        }
    return {
        "name": "provision",
        "on": {
            "pull_request": {"branches": [default_branch]},
            "push": {"branches": [default_branch]},
        },
        "permissions": {},
        "jobs": jobs,
    }
