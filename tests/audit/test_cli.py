"""`provision audit`, `diff` and `upgrade` end to end: real synth (cdktn + jsii), real checkov when installed.

One private copy of the example org per module; the first command synthesizes (several seconds of jsii),
the others reuse the synth cache, as a user's repeated runs do.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from provisioner.cli.main import cli
from provisioner.errors import EXIT_POLICY

pytestmark = pytest.mark.synth
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "acme"
SHIPPED = Path(__file__).resolve().parents[2] / "blueprints" / "gpu-training" / "1.0.0.yaml"


def _variant(folder: Path, version: str, **changes) -> None:
    """A later gpu-training version in the org's own blueprint folder."""
    data = yaml.safe_load(SHIPPED.read_text())
    data["version"] = version
    for key, value in changes.items():
        if key == "capabilities":
            data["capabilities"] = value
        elif key == "add_parameters":
            data["parameters"].update(value)
        else:
            data["parameters"][key]["default"] = value
    target = folder / "gpu-training" / f"{version}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("audit-cli") / "acme"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".provision", "cdktf.out"))
    org_file = root / "provision.yaml"
    org_file.write_text(org_file.read_text().replace("blueprint_paths: []", "blueprint_paths: [blueprints-local]"))
    _variant(root / "blueprints-local", "1.1.0", **{"logs.retention_days": 90, "data.noncurrent_version_days": 30})
    _variant(root / "blueprints-local", "1.2.0", capabilities=["foundation", "training"])
    _variant(root / "blueprints-local", "1.3.0", add_parameters={"registry.webhook_token": {
        "type": "string", "default": "", "description": "Token of the team's model-approval webhook (a secret)."}})
    spec = root / "workspaces" / "churn-model.yaml"
    spec.write_text("# The churn team's workspace; reviewed by the platform team.\n" + spec.read_text())
    yield root


@pytest.fixture
def provision(org: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(org)
    monkeypatch.delenv("PROVISION_ORG", raising=False)

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def test_audit_of_the_example_workspace_passes_with_every_section(provision):
    # GIVEN the example churn-model workspace
    # WHEN it is audited
    code, out, err = provision("audit", "churn-model")
    # THEN it passes, and the report covers inventory, coverage, cost, checkov and accepted findings
    assert code == 0, err
    assert out.startswith("PASSED: churn-model (dev, gpu-training@1.0.0)")
    for part in ("What will be created", "Coverage: encryption", "Estimated monthly cost", "training ml.g5.xlarge x 2"):
        assert part in out
    assert re.search(r"checkov 3\.3\.30 \(terraform_json\): \d+ passed, \d+ failed", out) or "checkov is not installed" in err


def test_audit_writes_every_format_to_a_file(provision, org: Path):
    # GIVEN the example workspace
    for fmt in ("md", "html", "json", "sarif"):
        # WHEN each format is written with --out
        code, out, err = provision("audit", "churn-model", "--format", fmt, "--out", f"reports/churn.{fmt}")
        # THEN the file holds it, stdout stays empty, and stderr says what was written where
        assert code == 0, err
        assert out == ""
        assert (org / "reports" / f"churn.{fmt}").stat().st_size > 1000
        assert f"wrote reports/churn.{fmt} ({fmt} audit report of churn-model, " in err
    data = json.loads((org / "reports" / "churn.json").read_text())
    assert data["workspace"]["name"] == "churn-model" and data["summary"]["blocked"] is False
    assert (org / ".provision" / "audit" / "churn-model" / "report.json").is_file()


def test_audit_takes_output_json_as_every_command_does(provision):
    # WHEN the report is asked for with --output json (the README's promise for every command)
    code, out, err = provision("audit", "churn-model", "--output", "json", "--no-checkov")
    # THEN it is the JSON report
    assert code == 0, err
    assert json.loads(out)["workspace"]["name"] == "churn-model"
    # AND asking for two different formats at once is invalid input
    code, _, err = provision("audit", "churn-model", "--format", "md", "-o", "json")
    assert code == 2 and "--output json contradicts --format md" in err


def test_fails_when_the_synthesized_config_violates_policy(provision, org: Path):
    # GIVEN a synthesized config edited by hand to drop the data bucket's public access block
    provision("audit", "churn-model", "--no-checkov")
    config_path = org / "cdktf.out" / "stacks" / "churn-model" / "cdk.tf.json"
    original = config_path.read_text()
    config = json.loads(original)
    del config["resource"]["aws_s3_bucket_public_access_block"]["data"]
    config_path.write_text(json.dumps(config, indent=2))
    try:
        # WHEN it is audited (the synth cache keeps the edited file: its inputs did not change)
        code, out, err = provision("audit", "churn-model", "--no-checkov")
    finally:
        config_path.write_text(original)
    # THEN the audit exits 3 with one error line naming the spec, and the report shows the fix
    assert code == EXIT_POLICY
    assert "PROV-001 aws_s3_bucket.data: has no public access block" in out
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "workspaces/churn-model.yaml" in errors[0]


def test_audit_without_checkov_warns_how_to_install_it_and_keeps_the_exit_code(provision, monkeypatch, tmp_path):
    # GIVEN no checkov installed
    monkeypatch.setenv("PROVISION_CHECKOV", str(tmp_path / "missing"))
    # WHEN auditing
    code, out, err = provision("audit", "churn-model")
    # THEN one warning line says how to install it; the built-in pack ran and the exit code is unaffected
    assert code == 0
    assert "warning: checkov is not installed; run `provision doctor --fix`" in " ".join(err.split())
    assert out.startswith("PASSED")


def test_diff_shows_in_place_changes_of_a_new_blueprint_version(provision):
    # GIVEN gpu-training@1.1.0, which changes two defaults
    # WHEN the impact of moving churn-model to it is shown
    code, out, err = provision("diff", "churn-model", "--to", "gpu-training@1.1.0")
    # THEN it lists the parameter changes and the in-place updates, with nothing replaced
    assert code == 0, err
    assert "Upgrade churn-model: gpu-training@1.0.0 -> gpu-training@1.1.0" in out
    assert "~ logs.retention_days: 30 -> 90 (default changed)" in out
    assert "aws_cloudwatch_log_group.logs" in out and "retention_in_days: 30 -> 90" in out
    assert "0 to replace" in out and "STATEFUL" not in out
    code, out, _ = provision("diff", "churn-model", "--to", "gpu-training@1.1.0", "--format", "json")
    data = json.loads(out)
    assert data["changes"]["counts"]["replace"] == 0 and data["changes"]["counts"]["update"] >= 1


def test_upgrade_refuses_to_remove_stateful_resources_without_consent(provision, org: Path):
    # GIVEN gpu-training@1.2.0, which drops the registry (and with it the model package group)
    spec = org / "workspaces" / "churn-model.yaml"
    before = spec.read_text()
    # WHEN upgrading without --accept-replacements
    code, out, err = provision("upgrade", "churn-model", "--to", "gpu-training@1.2.0")
    # THEN it is refused (exit 3), the stateful removal is called out, and the spec is untouched
    assert code == EXIT_POLICY
    assert "Stateful resources replaced or removed" in out and "aws_sagemaker_model_package_group.models" in out
    assert "--accept-replacements" in err
    assert spec.read_text() == before


def test_upgrade_rewrites_the_spec_and_keeps_its_comments(provision, org: Path):
    # GIVEN the churn-model spec with a comment
    spec = org / "workspaces" / "churn-model.yaml"
    # WHEN upgraded to gpu-training@1.1.0
    code, out, err = provision("upgrade", "churn-model", "--to", "gpu-training@1.1.0")
    # THEN only the blueprint line changed, and the workspace still passes its audit
    assert code == 0, err
    text = spec.read_text()
    assert text.startswith("# The churn team's workspace") and "blueprint: gpu-training@1.1.0\n" in text
    code, out, err = provision("audit", "churn-model", "--no-checkov")
    assert code == 0 and "gpu-training@1.1.0" in out


def test_fails_when_the_target_version_does_not_exist(provision):
    # GIVEN a version that is not in the catalog
    # WHEN diffing to it
    code, out, err = provision("diff", "churn-model", "--to", "gpu-training@9.9.9")
    # THEN it is invalid input (exit 2) with the available versions listed
    assert code == 2
    assert "has no version '9.9.9'" in err and "1.0.0, 1.1.0, 1.2.0" in err


CANARY = "canary-4d9b2f61-must-never-leak"


def test_canary_secret_parameter_never_appears_in_any_artifact(provision, org: Path):
    # GIVEN a workspace whose secret-looking parameter holds the canary value
    spec = yaml.safe_load((org / "workspaces" / "fraud-detector.yaml").read_text())
    spec.update(name="canary-ws", blueprint="gpu-training@1.3.0", parameters={"registry": {"webhook_token": CANARY}})
    (org / "workspaces" / "canary-ws.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    # WHEN it is synthesized and audited in every format
    for fmt in ("text", "md", "html", "json", "sarif"):
        code, out, err = provision("audit", "canary-ws", "--format", fmt, "--out", f"reports/canary.{fmt}")
        assert code == 0, err
        assert CANARY not in out + err
    # THEN no file the tool wrote (synth output, caches, reports) contains the value; only the spec does
    leaks = [str(p.relative_to(org)) for p in org.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert leaks == ["workspaces/canary-ws.yaml"]
    report = json.loads((org / "reports" / "canary.json").read_text())
    assert report["workspace"]["parameters"]["registry.webhook_token"] == "****"
