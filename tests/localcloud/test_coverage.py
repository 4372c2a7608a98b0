"""`provision sandbox coverage` and the coverage table of docs/local-cloud-extensions.md: what the local cloud
emulates, from recorded evidence (tests/coverage_evidence.py; the e2e tier keeps the recording current)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import coverage_evidence  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_lists_every_blueprints_provider_calls_and_who_answers_them(run):
    # GIVEN the shipped blueprints and the recorded coverage
    shipped = sorted(path.name for path in (ROOT / "blueprints").iterdir() if path.is_dir())
    # WHEN the coverage is asked for as JSON
    result = run("sandbox", "coverage", "--output", "json")
    # THEN it succeeds and every shipped blueprint's apply, second plan and destroy calls are there, each answered
    # (a first plan of a new workspace calls nothing: its state is empty, and on the local cloud the provider skips
    # its credential and account checks)
    assert result.code == 0, result.err
    found = json.loads(result.out)
    in_rows = {blueprint for row in found["provider"] for blueprint in row["steps"]}
    assert in_rows == set(shipped)
    for blueprint in shipped:
        steps = {step for row in found["provider"] for step in row["steps"].get(blueprint, [])}
        assert steps == {"apply", "replan", "destroy"}, blueprint
    assert {row["by"] for row in found["provider"]} <= {"moto", "extension"}  # a green e2e run needs every call answered
    # AND provision's own calls are listed with where they come from
    own = {row["operation"]: row for row in found["provision"]}
    assert "provisioner/cloud/studio.py" in own["sagemaker.CreatePresignedDomainUrl"]["source"]
    assert own["sagemaker.CreatePresignedDomainUrl"]["by"] == "extension"


def test_coverage_of_one_blueprint_in_text(run):
    # GIVEN the recorded coverage  WHEN one blueprint's is shown
    result = run("sandbox", "coverage", "--blueprint", "notebook-lab")
    # THEN its calls are shown with who answers them, Studio profiles by provision's extension
    assert result.code == 0, result.err
    assert re.search(r"sagemaker\.CreateUserProfile\s.*provision \(sagemaker_studio\)", result.out), result.out[-3000:]
    assert "provision's own calls" not in result.out


def test_fails_when_coverage_is_asked_for_a_blueprint_that_is_not_shipped(run):
    # GIVEN no blueprint named tabular-lab  WHEN its coverage is asked for
    result = run("sandbox", "coverage", "--blueprint", "tabular-lab")
    # THEN it is invalid input, in one line naming the blueprints there are
    assert result.code == 2
    assert result.error_lines == ["error: <command line>: --blueprint: no recorded coverage for blueprint 'tabular-lab'; "
                                  "pick one of: full-mlops, gpu-training, notebook-lab, realtime-endpoint"], result.err


def test_the_docs_table_is_the_recorded_coverage():
    from provisioner.localcloud.coverage import Coverage, with_table

    # GIVEN the recorded coverage  WHEN the doc's table is generated
    doc = (ROOT / "docs" / "local-cloud-extensions.md").read_text()
    # THEN the committed page holds exactly it (refresh: python -m provisioner.localcloud.coverage)
    assert with_table(doc, Coverage.shipped()) == doc


def test_the_recorded_coverage_matches_provisions_source_and_who_answers_today():
    # GIVEN the recorded coverage
    data = coverage_evidence.current()
    answers = {op: entry.get("answers", []) for op, entry in data["operations"].items()}
    # WHEN provision's source is scanned again and each operation classified with today's moto and extensions
    now = coverage_evidence.build({"blueprints": data["blueprints"], "commands": data["commands"], "answers": answers},
                                  data["recorded_with"]["aws_provider"])
    # THEN nothing moved (else: python tests/coverage_evidence.py, and read the diff)
    assert now["source"] == data["source"]
    assert now["operations"] == data["operations"]
    assert now["recorded_with"]["moto"] == data["recorded_with"]["moto"]


def test_every_operation_the_local_cloud_does_not_emulate_says_what_a_user_then_sees():
    # GIVEN the recorded coverage  WHEN its operations nobody answers are read
    missing = [op for op, entry in coverage_evidence.current()["operations"].items()
               if entry["by"] == "not emulated" and not entry.get("then")]
    # THEN each says what happens (tests/coverage_evidence.py: NOT_EMULATED)
    assert missing == []


@pytest.mark.moto
def test_preflight_on_a_local_cloud_never_asks_for_service_quotas_it_does_not_emulate(run, sandbox, acme: Path):
    """What the table says of service-quotas.ListServiceQuotas, checked."""
    # GIVEN a running sandbox and a workspace on it that needs GPU quotas
    # WHEN it is preflighted
    result = run("preflight", "sandbox-trial", "--output", "json")
    # THEN the quota checks are skipped, and the local cloud was never asked
    assert result.code == 0, result.err
    quotas = [c for c in json.loads(result.out)["checks"] if c["id"].startswith("quota:")]
    assert quotas and {(c["status"], c["detail"]) for c in quotas} == {("skip", "skipped: the local cloud has none")}
    log = (acme / ".provision" / "sandbox" / "server.log").read_text()
    assert "service-quotas." not in log and "sts.GetCallerIdentity" in log


def test_a_call_the_recording_lacks_is_named_with_its_blueprint_and_step():
    """The e2e tier's check (tests/e2e: test_the_coverage_table_lists_every_call_the_lifecycles_made), on a log line."""
    # GIVEN the recorded coverage and a log where notebook-lab's apply creates an app, and provision's status lists them
    log = ('127.0.0.1 - - [07/Dec/2026 22:40:01] "POST /" 200 sagemaker.CreateApp attempt=1;max=25 '
           '0f0e0d0c-0b0a-4909-8807-060504030201 provider@e2e.notebook-lab.apply\n'
           '127.0.0.1 - - [07/Dec/2026 22:40:02] "POST /" 200 sagemaker.ListApps attempt=1;max=8 '
           '0f0e0d0c-0b0a-4909-8807-060504030202 provision@e2e.notebook-lab.status\n'
           '127.0.0.1 - - [07/Dec/2026 22:40:03] "POST /" 200 sagemaker.ListApps attempt=1;max=8 '
           '0f0e0d0c-0b0a-4909-8807-060504030203 sdk\n')
    now = coverage_evidence.recorded(coverage_evidence.parse_log(log), {"notebook-lab"})
    # WHEN it is compared with the recording
    missing = coverage_evidence.unrecorded(coverage_evidence.current(), now)
    # THEN both calls are named, with the blueprint and step or the command; the test's own (sdk) call is not
    assert missing == ["notebook-lab apply: sagemaker.CreateApp", "provision status: sagemaker.ListApps"]
