"""The evidence behind `provision sandbox coverage`: what the local cloud is asked, and who answers it.

provisioner/data/local-cloud-coverage.json (package data, read by provisioner/localcloud/coverage.py) is
written here from three sources, none of them memory:

- recorded: the e2e tier's sandbox log (tests/e2e). Every line names the call's operation and its caller
  (provisioner/localcloud/operations.py); the e2e steps run with `AWS_EXECUTION_ENV=e2e.<blueprint>.<step>`,
  which both SDKs put in their User-Agent, so each blueprint's plan, apply, second plan and destroy are told
  apart although the lifecycles run side by side. The AWS provider's calls go to `blueprints`, provision's own
  to `commands`.
- source: the boto3 operations provision's own code names (a call `client.describe_endpoint(`, a
  paginator or waiter name, an operation name in a string), matched against the botocore models of the
  services it makes clients for. provisioner/monitoring/ is left out: that script runs inside the SageMaker
  processing job, on AWS, never in provision's process.
- who answers: provision's extension when provisioner/localcloud/services/ adds the operation (its module),
  moto when moto's backend or response class for the service has the operation's method (and a services/
  module that corrects it, if one does), otherwise not emulated, with what a user then sees (NOT_EMULATED).
  An operation the recording saw answered only with HTTP 5xx is not emulated whatever the classes say.

Refresh: `PROVISION_RECORD_COVERAGE=1 pytest -m e2e tests/e2e` (records, then writes everything), or
`python tests/coverage_evidence.py` (source and who answers, keeping the recording); both rewrite the
generated table in docs/local-cloud-extensions.md.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "provisioner" / "data" / "local-cloud-coverage.json"
DOC = ROOT / "docs" / "local-cloud-extensions.md"
PROVIDER_STEPS = ("plan", "apply", "replan", "destroy")
COMMANDS = {"bootstrap": "bootstrap", "plan": "plan", "apply": "apply", "status": "status",
            "monitoring-run": "monitoring run", "replan": "plan", "destroy": "destroy --include-protected",
            "inventory": "inventory"}
SOURCE_SKIPPED = ("provisioner/monitoring/", "provisioner/localcloud/services/", "provisioner/localcloud/operations.py")
# Receivers whose `.search(`/`.match(`... are not AWS clients (compiled regular expressions).
NOT_CLIENTS = re.compile(r"^(re|pattern|regex|[A-Z_]+|.*_re|.*_pattern)$")

# What a user sees when provision calls an operation the local cloud does not emulate.
NOT_EMULATED = {
    "pricing.GetProducts": "`provision prices update` reads the AWS Price List API from AWS itself, never through an "
                           "environment (and so never the local cloud); audits use the shipped price table",
    "service-quotas.ListServiceQuotas": "`provision preflight` does not ask the local cloud: its quota checks say "
                                        "SKIP (skipped: the local cloud has none)",
    "iam.AddClientIDToOpenIDConnectProvider": "`provision bootstrap` of a local cloud creates no deploy role and "
                                              "no OIDC provider (the local cloud has no role to assume); only an AWS "
                                              "account's existing GitHub provider without the STS audience gets it",
}

_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>[^"\s]*)[^"]*" (?P<status>\d{3}) (?P<operation>\S+) (?P<attempt>\S+) '
                   r'(?P<invocation>\S+) (?P<by>\S+)\s*$')


# --- recorded ----------------------------------------------------------------------------------------------


def parse_log(text: str) -> list[dict[str, Any]]:
    """The calls a sandbox log shows, each {operation, status, caller, tag}; lines that name no operation skipped."""
    calls = []
    for line in text.splitlines():
        found = _LINE.search(line)
        if not found or found["operation"] in ("-",) or found["operation"].endswith(".-"):
            continue
        caller, _, tag = found["by"].partition("@")
        calls.append({"operation": found["operation"], "status": int(found["status"]), "caller": caller,
                      "tag": tag or None})
    return calls


def recorded(calls: list[dict[str, Any]], blueprints: set[str], run_tag: str = "e2e") -> dict[str, Any]:
    """What the e2e steps of BLUEPRINTS called: the provider's per blueprint and step, provision's per command."""
    by_blueprint: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    by_command: dict[str, set[str]] = defaultdict(set)
    answers: dict[str, set[int]] = defaultdict(set)
    for call in calls:
        parts = (call["tag"] or "").split(".")
        if len(parts) != 3 or parts[0] != run_tag or (parts[1] not in blueprints and parts[1] != "org"):
            continue
        _, blueprint, step = parts
        if call["caller"] == "provider" and step in PROVIDER_STEPS:
            by_blueprint[blueprint][step].add(call["operation"])
        elif call["caller"] == "provision" and step in COMMANDS:
            by_command[COMMANDS[step]].add(call["operation"])
        else:
            continue
        answers[call["operation"]].add(call["status"])
    return {
        "blueprints": {b: {s: sorted(by_blueprint[b][s]) for s in PROVIDER_STEPS} for b in sorted(by_blueprint)},
        "commands": {c: sorted(ops) for c, ops in sorted(by_command.items())},
        "answers": {op: sorted(codes) for op, codes in sorted(answers.items())},
    }


def unrecorded(data: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What a run called that DATA does not list: `blueprint step: operation` / `provision command: operation`."""
    missing = []
    for blueprint, steps in now["blueprints"].items():
        for step, ops in steps.items():
            known = set(data["blueprints"].get(blueprint, {}).get(step, []))
            missing += [f"{blueprint} {step}: {op}" for op in ops if op not in known]
    for command, ops in now["commands"].items():
        known = set(data["commands"].get(command, []))
        missing += [f"provision {command}: {op}" for op in ops if op not in known]
    return missing


# --- source ------------------------------------------------------------------------------------------------


@functools.cache
def _operations_by_method(services: tuple[str, ...]) -> dict[str, list[str]]:
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    found: dict[str, list[str]] = defaultdict(list)
    for service in services:
        for operation in session.get_service_model(service).operation_names:
            found[xform_name(operation)].append(f"{service}.{operation}")
    return found


def source_calls(root: Path = ROOT) -> dict[str, list[str]]:
    """`service.Operation` -> the modules of provisioner/ that name it (see the module docstring)."""
    sources = {path.relative_to(root).as_posix(): path.read_text()
               for path in sorted((root / "provisioner").rglob("*.py"))}
    sources = {name: text for name, text in sources.items() if not name.startswith(SOURCE_SKIPPED)}
    services = sorted({s for text in sources.values() for s in re.findall(r'client\(\s*"([a-z0-9-]+)"', text)})
    methods = _operations_by_method(tuple(services))
    found: dict[str, set[str]] = defaultdict(set)
    for name, text in sources.items():
        # `client.describe_endpoint(`, and chained: `aws.client("sagemaker", region).describe_endpoint(`
        named = {(receiver, method) for receiver, method in re.findall(r"(?:(\w+)|\))\.([a-z][a-z0-9_]*)\(", text)
                 if not (receiver and NOT_CLIENTS.match(receiver))}
        paged = set(re.findall(r'(\w+)\.get_(?:paginator|waiter)\(\s*"([a-z][a-z0-9_]*)"', text))
        named |= paged | {("", method) for method in re.findall(r'"([a-z][a-z0-9_]*)"', text)
                          if method not in {m for _, m in paged}}
        services_here = set(re.findall(r'client\(\s*"([a-z0-9-]+)"', text))
        for receiver, method in named:
            if method not in methods:
                continue
            candidates = methods[method]
            # a method several services have: the client named like its service (`ecr.list_images`), else the
            # services this module makes clients for, if that decides it
            narrowed = ([c for c in candidates if c.split(".")[0] == receiver]
                        or [c for c in candidates if c.split(".")[0] in services_here] or candidates)
            if not receiver and not services_here:
                continue  # a bare string in a module without clients: a Terraform attribute, not a call

            for operation in narrowed:
                found[operation].add(name)
    return {op: sorted(modules) for op, modules in sorted(found.items())}


# --- who answers -------------------------------------------------------------------------------------------

# botocore service name -> moto's package, where they differ
MOTO_PACKAGES = {"application-autoscaling": "applicationautoscaling", "service-quotas": "servicequotas",
                 "sagemaker-runtime": "sagemakerruntime", "resourcegroupstaggingapi": "resourcegroupstaggingapi"}


@functools.cache
def _moto_classes(service: str) -> tuple[type, ...]:
    import importlib

    from moto.core.base_backend import BaseBackend
    from moto.core.responses import BaseResponse

    package = MOTO_PACKAGES.get(service, service.replace("-", ""))
    classes: list[type] = []
    for part, base in (("responses", BaseResponse), ("models", BaseBackend)):
        try:
            module = importlib.import_module(f"moto.{package}.{part}")
        except ImportError:
            return ()
        classes += [c for c in vars(module).values()
                    if inspect.isclass(c) and issubclass(c, base) and c.__module__ == module.__name__]
    return tuple(classes)


def classify(operations: list[str], answers: dict[str, list[int]]) -> dict[str, dict[str, Any]]:
    """`service.Operation` -> {by: moto | extension | not emulated, module, corrected_by, then, answers}."""
    from botocore import xform_name

    from provisioner.localcloud.services import SERVICES

    added = {f"{e.service}.{e.operation}": m.__name__.rsplit(".", 1)[-1] for m in SERVICES for e in m.OPERATIONS}
    corrected: dict[str, str] = {}
    for module in SERVICES:
        for entry in module.EXTENDED:
            for name in re.findall(r"[A-Z][A-Za-z0-9]+", entry.operations):
                corrected.setdefault(f"{entry.service}.{name}", module.__name__.rsplit(".", 1)[-1])
    result = {}
    for op in operations:
        service, operation = op.split(".", 1)
        seen = answers.get(op, [])
        entry: dict[str, Any] = {"answers": seen}
        if op in added:
            entry.update(by="extension", module=added[op])
        elif seen and all(code >= 500 for code in seen):
            entry.update(by="not emulated")
        elif any(hasattr(c, xform_name(operation)) for c in _moto_classes(service)) or seen:
            entry.update(by="moto")
        else:
            entry.update(by="not emulated")
        if entry["by"] == "moto" and op in corrected:
            entry["corrected_by"] = corrected[op]
        if entry["by"] == "not emulated":
            entry["then"] = NOT_EMULATED.get(op, "")
        result[op] = entry
    return result


# --- the data file and the doc -----------------------------------------------------------------------------


def build(recording: dict[str, Any], provider_version: str | None) -> dict[str, Any]:
    import moto

    source = source_calls()
    operations = sorted({op for steps in recording["blueprints"].values() for ops in steps.values() for op in ops}
                        | {op for ops in recording["commands"].values() for op in ops} | set(source))
    return {
        "recorded_with": {"aws_provider": provider_version, "moto": moto.__version__},
        "blueprints": recording["blueprints"],
        "commands": recording["commands"],
        "source": source,
        "operations": classify(operations, recording["answers"]),
    }


def write(data: dict[str, Any]) -> None:
    from provisioner.localcloud import coverage

    DATA.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    DOC.write_text(coverage.with_table(DOC.read_text(), coverage.Coverage(data)))


def current() -> dict[str, Any]:
    return json.loads(DATA.read_text())


def main() -> None:
    """Source and who answers recomputed; the recording kept."""
    data = current()
    answers = {op: entry.get("answers", []) for op, entry in data["operations"].items()}
    write(build({"blueprints": data["blueprints"], "commands": data["commands"], "answers": answers},
                data["recorded_with"]["aws_provider"]))
    print(f"wrote {DATA.relative_to(ROOT)} and the table in {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
