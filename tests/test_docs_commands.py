"""Every `provision` command in a ```sh block of the docs runs, in order, on a copy of the example org, and prints
what the docs promise: EXPECT holds, per command, the words a reader must see in its output (stdout and stderr).

```console blocks are transcripts (they may show failures on purpose) and are not run.
Commands that need an AWS account are written in ```console blocks.
A command added to a ```sh block needs its row in EXPECT (the test names the ones missing).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from provisioner.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "blueprints").glob("*/README.md")])
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)


def commands(path: Path) -> list[str]:
    found = []
    for block in BLOCK.findall(path.read_text()):
        joined = block.replace("\\\n", " ")
        found.extend(line.strip() for line in joined.splitlines() if line.strip().startswith("provision "))
    return found


DOCUMENTED = [(path, commands(path)) for path in DOCS if commands(path)]

_REQUEST = ("wrote workspaces/{name}.yaml ({ref}, {env})", "next: provision synth {name}")
_VALIDATE = ("ok churn-model (gpu-training@1.0.0, dev)", "workspace(s) valid")
_SANDBOX_START = ("local cloud running at http://127.0.0.1:", "stop it with: provision sandbox stop")
_SANDBOX_STOP = ("stopped the local cloud", "what it held is gone")


def _synth(name: str) -> tuple[str, ...]:
    return (f"{name}: ", f"cdktf.out/stacks/{name}/cdk.tf.json")


def _dry_run(name: str) -> tuple[str, ...]:
    return (f"ok within the guardrails of {name}", f"base_job_name: acme-{name}-")


# Command (without `provision `) -> what its output must contain. The facts a reader acts on, not whole lines:
# numbers that move with the blueprints (resource counts, prices) are left out.
EXPECT: dict[str, tuple[str, ...]] = {
    "request my-full-mlops --blueprint full-mlops@1.1.0 --env dev --owner you@example.com --team ml --tag cost-center=cc-1":
        tuple(t.format(name="my-full-mlops", ref="full-mlops@1.1.0", env="dev") for t in _REQUEST),
    "request my-gpu-training --blueprint gpu-training@1.0.0 --env dev --owner you@example.com --team ml --tag cost-center=cc-1":
        tuple(t.format(name="my-gpu-training", ref="gpu-training@1.0.0", env="dev") for t in _REQUEST),
    "request my-notebook-lab --blueprint notebook-lab@1.0.0 --env dev --owner you@example.com --team ml --tag cost-center=cc-1 "
    "--member you@example.com": tuple(t.format(name="my-notebook-lab", ref="notebook-lab@1.0.0", env="dev") for t in _REQUEST),
    "request my-realtime-endpoint --blueprint realtime-endpoint@1.1.0 --env dev --owner you@example.com --team ml "
    "--tag cost-center=cc-1": tuple(t.format(name="my-realtime-endpoint", ref="realtime-endpoint@1.1.0", env="dev")
                                    for t in _REQUEST),
    "request vision-lab --blueprint gpu-training --env dev --owner carol@example.com --team vision "
    "--tag cost-center=cc-4242 --set training.max_instances=2":
        tuple(t.format(name="vision-lab", ref="gpu-training@1.0.0", env="dev") for t in _REQUEST),
    "request vision-lab --blueprint full-mlops --env sandbox --owner carol@example.com --team vision "
    "--tag cost-center=cc-4242 --set 'training.instance_types=[ml.g4dn.xlarge]' --set serving.model_package=latest-approved "
    "--set 'serving.variants=[{name: primary, instance_type: ml.m5.large, initial_instance_count: 1, weight: 1, "
    "min_instances: 1, max_instances: 2}]'": tuple(t.format(name="vision-lab", ref="full-mlops@1.1.0", env="sandbox")
                                                  for t in _REQUEST),
    "validate": _VALIDATE,
    "validate workspaces/forecasting.yaml workspaces/recsys-ab.yaml":
        ("ok forecasting (full-mlops@1.0.0, dev)", "ok recsys-ab (realtime-endpoint@1.1.0, prod)", "2 workspace(s) valid"),
    "validate workspaces/notebook-lab-ws.yaml": ("ok notebook-lab-ws (notebook-lab@1.0.0, dev)", "1 workspace(s) valid"),
    "synth my-full-mlops": _synth("my-full-mlops") + ("monitoring pipeline is prepared",),
    "synth my-gpu-training": _synth("my-gpu-training"),
    "synth my-notebook-lab": _synth("my-notebook-lab") + ("provision open my-notebook-lab --member",),
    "synth my-realtime-endpoint": _synth("my-realtime-endpoint") + ("serving: no model yet",),
    "synth churn-model": _synth("churn-model") + ("promotion: accounts 222222222222",),
    "synth churn-serving": _synth("churn-serving") + ("promotion: serves models promoted from churn-model",),
    "synth sandbox-serving": _synth("sandbox-serving") + ("local cloud: every AWS call goes to the sandbox",),
    "synth --all": _synth("churn-model") + _synth("sandbox-serving") + ("note(s): see them with",),
    "blueprints list": ("Blueprints", "full-mlops", "gpu-training", "notebook-lab", "realtime-endpoint"),
    "blueprints show gpu-training": ("gpu-training@1.0.0", "Creates", "Parameters", "training.instance_types"),
    "blueprints show gpu-training@1.0.0": ("gpu-training@1.0.0", "Creates", "Parameters", "training.instance_types"),
    "blueprints show realtime-endpoint@1.1.0": ("realtime-endpoint@1.1.0", "Creates", "serving.model_package"),
    "blueprints show notebook-lab": ("notebook-lab@1.0.0", "Creates", "notebooks.instance_types"),
    "env churn-model --write": ("export SAGEMAKER_USER_CONFIG_OVERRIDE=", "wrote .provision/sagemaker/churn-model.yaml"),
    "env sandbox-trial --write": ("export AWS_ENDPOINT_URL=http://127.0.0.1:", "export AWS_ACCESS_KEY_ID=test",
                                  "wrote .provision/sagemaker/sandbox-trial.yaml"),
    "env vision-lab": ("SDK defaults for workspace vision-lab (sandbox, eu-west-1)",
                       "DefaultS3Bucket: acme-vision-lab-sandbox-artifacts-123456789012"),
    "train churn-model --image 111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme-churn-model-dev-images:v1 "
    "--instance-type ml.g5.xlarge --spot --max-runtime 4h --hyperparameter epochs=3 --dry-run":
        _dry_run("churn-model") + ("instance_type: ml.g5.xlarge", "spot: True", "max_runtime_seconds: 14400"),
    "train sandbox-trial --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-sandbox-trial-sandbox-images:1 --dry-run":
        _dry_run("sandbox-trial") + ("instance_type: ml.g4dn.xlarge",),
    "sandbox start": _SANDBOX_START,
    "sandbox stop": _SANDBOX_STOP,
    "sandbox status": ("running at http://127.0.0.1:", "its state is in memory"),
    "sandbox coverage --blueprint notebook-lab": ("AWS provider calls", "notebook-lab", "budgets.CreateBudget"),
    "bootstrap sandbox": ("sandbox is a local cloud at http://127.0.0.1:", "no state bucket to create",
                          "Studio domain d-acmesandbox"),
    "endpoint weights recsys-ab champion=70 challenger=30":
        ("updated workspaces/recsys-ab.yaml", "-> 70 (70.0% of traffic)", "-> 30 (30.0% of traffic)",
         "next: provision plan recsys-ab"),
    "endpoint weights sandbox-serving champion=60 challenger=40":
        ("updated workspaces/sandbox-serving.yaml", "-> 60 (60.0% of traffic)", "-> 40 (40.0% of traffic)"),
    "endpoint weights sandbox-serving champion=50 challenger=50":
        ("updated workspaces/sandbox-serving.yaml", "-> 50 (50.0% of traffic)"),
    "endpoint promote recsys-ab challenger": ("updated workspaces/recsys-ab.yaml: challenger serves all traffic",
                                              "champion: weight 70 -> 0", "next: provision plan recsys-ab"),
    "expired --within 200": ("sandbox-serving  2026-12-31  expires in 31 day(s)",
                             "churn-model  2027-03-31  expires in 121 day(s)"),  # on the suite's day, 2026-11-30
    "ci github": ("wrote .github/workflows/provision.yml",),
    "--today 2027-04-01 expired": ("churn-model  2027-03-31  expired 1 day(s) ago", "next: provision destroy --expired"),
    "init my-org --org-name globex --account-id 123456789012 --region eu-west-1":
        ("wrote my-org/provision.yaml", "wrote my-org/.github/workflows/provision.yml", "next: cd my-org"),
    "preflight sandbox-serving": ("preflight sandbox-serving (sandbox, account 123456789012, eu-west-1)", "PASS account"),
    "audit sandbox-serving": ("PASSED: sandbox-serving (sandbox, realtime-endpoint@1.1.0)", "0 blocking error(s)",
                              "Estimated monthly cost: $"),
    "audit churn-model --no-checkov": ("PASSED: churn-model (dev, gpu-training@1.0.0)", "0 blocking error(s)",
                                       "account 222222222222: kms:Decrypt"),
    "doctor --env sandbox": ("PASS node (CDK layer)", "PASS local cloud for sandbox"),
    "status sandbox-serving": ("sandbox-serving (sandbox, account 123456789012, eu-west-1)", "expires 2026-12-31"),
    "inventory --env sandbox --format csv": ("monthly_usd,type,name,finding,workspace,creator,age_days,last_used",),
    "inventory --env sandbox --format json": ('"org": "acme"', '"account_id": "123456789012"'),
    "inventory --env sandbox --format md": ("# Unclaimed resources of acme", "as of 2026-11-30",
                                            "most expensive first"),
    "synth pricing-poc": _synth("pricing-poc"),
    "ci github --force": ("wrote .github/workflows/provision.yml",),
    "ci pins": ("actions/checkout@", "# v", "check: git ls-remote https://github.com/actions/checkout"),
    "inventory --env sandbox": ("inventory of acme in account 123456789012", "(environments: sandbox)",
                                "no orphans, untagged ML resources or expired workspaces"),
}


def test_every_documented_command_says_what_it_must_print():
    # GIVEN every command the docs run  WHEN it is looked up in EXPECT  THEN each has its row
    missing = sorted({line.removeprefix("provision ") for _, lines in DOCUMENTED for line in lines} - set(EXPECT))
    assert missing == [], f"add what these print to EXPECT: {missing}"


def _params():
    for path, lines in DOCUMENTED:
        starts = any(shlex.split(line)[1:3] == ["sandbox", "start"] for line in lines)
        yield pytest.param(path, lines, id=str(path.relative_to(ROOT)), marks=[pytest.mark.moto] if starts else [])


@pytest.mark.parametrize(("doc", "lines"), list(_params()))
def test_documented_commands_run(doc: Path, lines: list[str], acme: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    # GIVEN a private copy of the example org, as the docs assume
    from provisioner.localcloud.sandbox import Sandbox

    monkeypatch.chdir(acme)
    monkeypatch.delenv("PROVISION_ORG", raising=False)
    try:
        for line in lines:
            # WHEN each documented command runs
            code = cli(shlex.split(line)[1:])
            out, err = capsys.readouterr()
            # THEN it succeeds and prints what the docs promise
            assert code == 0, f"{doc.name}: `{line}` exited {code}:\n{err}"
            said = out + err
            absent = [text for text in EXPECT.get(line.removeprefix("provision "), ()) if text not in said]
            assert absent == [], f"{doc.name}: `{line}` did not print {absent}:\n{said[-3000:]}"
    finally:
        Sandbox(acme).stop()  # a doc that starts the local cloud stops it; a failing one must not leave it running
