"""Generates CI workflows that fan `provision` out over changed workspaces on existing CI runners.

Pull request: validate, then per changed workspace (a matrix) audit -> Markdown PR comment, and plan ->
plan bundle uploaded as an artifact. Merge to the default branch: download the reviewed bundles of the
merged pull request and apply exactly those; `provision apply` refuses a bundle whose spec, blueprint or
synthesized config changed after review, so nothing unreviewed is applied.
"""

from __future__ import annotations

from typing import Any

WORKFLOW_FILE = ".github/workflows/provision.yml"


def github_workflow(*, python: str = "3.11", install: str = "pip install provision", default_branch: str = "main",
                    org_dir: str = ".") -> dict[str, Any]:
    setup = [
        {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}},
        {"uses": "actions/setup-python@v5", "with": {"python-version": python}},
        {"uses": "actions/setup-node@v4", "with": {"node-version": "22"}},
        {"uses": "hashicorp/setup-terraform@v3", "with": {"terraform_version": "1.15.5", "terraform_wrapper": False}},
        {"name": "Install provision", "run": install},
    ]
    aws = {"uses": "aws-actions/configure-aws-credentials@v4",
           "with": {"role-to-assume": "${{ vars.PROVISION_CI_ROLE_ARN }}", "aws-region": "${{ vars.AWS_REGION }}"}}
    defaults = {"run": {"working-directory": org_dir}}
    changed_cmd = ('echo "workspaces=$(provision changed --since "origin/${{ github.base_ref || \'%s\' }}" '
                   '--output json)" >> "$GITHUB_OUTPUT"' % default_branch)
    return {
        "name": "provision",
        "on": {
            "pull_request": {"branches": [default_branch]},
            "push": {"branches": [default_branch]},
        },
        "permissions": {"contents": "read", "id-token": "write", "pull-requests": "write", "actions": "read"},
        "concurrency": {"group": "provision-${{ github.ref }}", "cancel-in-progress": False},
        "jobs": {
            "changes": {
                "runs-on": "ubuntu-latest",
                "defaults": defaults,
                "outputs": {"workspaces": "${{ steps.changed.outputs.workspaces }}"},
                "steps": setup + [
                    {"name": "Validate every workspace", "run": "provision validate"},
                    {"id": "changed", "name": "Workspaces changed by this pull request", "if": "github.event_name == 'pull_request'",
                     "run": changed_cmd},
                    {"id": "merged", "name": "Workspaces changed by the merge", "if": "github.event_name == 'push'",
                     "run": 'echo "workspaces=$(provision changed --since "${{ github.event.before }}" --output json)" >> "$GITHUB_OUTPUT"'},
                ],
            },
            "plan": {
                "if": "github.event_name == 'pull_request' && needs.changes.outputs.workspaces != '[]'",
                "needs": "changes",
                "runs-on": "ubuntu-latest",
                "defaults": defaults,
                "strategy": {"fail-fast": False, "matrix": {"workspace": "${{ fromJSON(needs.changes.outputs.workspaces) }}"}},
                "steps": setup + [
                    aws,
                    {"name": "Audit", "run": "provision audit ${{ matrix.workspace }} --format md --out audit.md"},
                    {"name": "Plan", "run": "provision plan ${{ matrix.workspace }}"},
                    {"name": "Comment the audit on the pull request", "if": "always()",
                     "env": {"GH_TOKEN": "${{ github.token }}"},
                     "run": 'gh pr comment "${{ github.event.pull_request.number }}" --body-file audit.md'},
                    {"uses": "actions/upload-artifact@v4",
                     "with": {"name": "plan-${{ matrix.workspace }}", "path": f"{org_dir}/.provision/plans/${{{{ matrix.workspace }}}}",
                              "include-hidden-files": True, "retention-days": 30}},
                ],
            },
            "apply": {
                "if": "github.event_name == 'push' && needs.changes.outputs.workspaces != '[]'",
                "needs": "changes",
                "runs-on": "ubuntu-latest",
                "environment": "production",
                "defaults": defaults,
                "strategy": {"fail-fast": False, "max-parallel": 4,
                             "matrix": {"workspace": "${{ fromJSON(needs.changes.outputs.workspaces) }}"}},
                "steps": setup + [
                    aws,
                    {"name": "Download the reviewed plan of the merged pull request",
                     "env": {"GH_TOKEN": "${{ github.token }}"},
                     "run": "\n".join([
                         'pr=$(gh api "repos/${{ github.repository }}/commits/${{ github.sha }}/pulls" --jq ".[0].head.ref")',
                         'run=$(gh run list --workflow provision --branch "$pr" --event pull_request --status success '
                         '--limit 1 --json databaseId --jq ".[0].databaseId")',
                         'gh run download "$run" -n "plan-${{ matrix.workspace }}" -D ".provision/plans/${{ matrix.workspace }}"',
                     ])},
                    {"name": "Apply the reviewed plan", "run": "provision apply ${{ matrix.workspace }} --yes"},
                ],
            },
        },
    }


ATLANTIS_DOC = """\
Atlantis: run `provision` as a custom workflow. In repos.yaml:

workflows:
  provision:
    plan:
      steps:
        - run: provision audit $PROJECT_NAME --format md
        - run: provision plan $PROJECT_NAME
    apply:
      steps:
        - run: provision apply $PROJECT_NAME --yes

and one Atlantis project per workspace (`provision changed --since origin/main --output json` lists them),
with `dir` set to the org folder and `workflow: provision`.
"""
