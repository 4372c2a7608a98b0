"""`provision validate` and the error contract for every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def write(acme: Path, name: str, text: str) -> None:
    (acme / "workspaces" / f"{name}.yaml").write_text(text)


VALID = """\
name: NAME
blueprint: gpu-training@1.0.0
environment: dev
owner: alice@example.com
team: growth
tags: {cost-center: cc-1}
"""


def test_validate_accepts_the_example_org(run):
    result = run("validate", "--output", "json")
    assert result.code == 0, result.err
    names = {row["workspace"] for row in json.loads(result.out)}
    assert {"churn-model", "fraud-detector"} <= names


@pytest.mark.parametrize(
    ("case", "text", "field", "fragment"),
    [
        ("yaml_syntax", "name: bad\n  x: [\n", "line 2, column 4", "invalid YAML"),
        ("unknown_key", VALID + "colour: blue\n", "colour", "unknown field"),
        ("wrong_type", VALID + "parameters: {training: {max_instances: lots}}\n",
         "parameters.training.max_instances", "expected integer"),
        ("bad_name", VALID.replace("NAME", "Bad_Name"), "name", "is not valid here"),
        ("unknown_blueprint", VALID.replace("gpu-training@1.0.0", "gpu-trainer@1.0.0"),
         "blueprint", "unknown blueprint 'gpu-trainer'"),
        ("unknown_version", VALID.replace("1.0.0", "3.0.0"),
         "blueprint", "has no version '3.0.0'"),
        ("unpinned_version", VALID.replace("@1.0.0", ""), "blueprint", "has no version"),
        ("unknown_environment", VALID.replace("environment: dev", "environment: qa"),
         "environment", "unknown environment 'qa'"),
        ("guardrail", VALID + "parameters: {budget: {monthly_usd: 99999}}\n",
         "parameters.budget.monthly_usd", "exceeds the org guardrail max_monthly_budget_usd"),
        ("missing_required_tag", VALID.replace("{cost-center: cc-1}", "{}"),
         "tags.cost-center", "missing required tag"),
        ("blueprint_range", VALID + "parameters: {logs: {retention_days: 3}}\n",
         "parameters.logs.retention_days", "not allowed by the blueprint"),
        ("file_name_mismatch", VALID.replace("NAME", "other-name"), "name", "does not match the file name"),
        ("not_a_mapping", "- just\n- a list\n", "", "expected a mapping"),
    ],
)
def test_fails_when_a_spec_is_invalid(run, acme: Path, case: str, text: str, field: str, fragment: str):
    # GIVEN one bad spec beside the valid ones
    slug = case.replace("_", "-")
    write(acme, slug, text.replace("NAME", slug))
    # WHEN validating everything
    result = run("validate")
    # THEN exit 2, one line names the file and the field, and says what is wrong
    assert result.code == 2, result.out
    assert "Traceback" not in result.err
    file = f"workspaces/{slug}.yaml"
    lines = [line for line in result.error_lines if file in line]
    assert lines, result.err
    assert any(f"{file}: {field}" in line and fragment in line for line in lines), lines


def test_fails_when_several_specs_are_invalid_and_reports_all_of_them(run, acme: Path):
    write(acme, "bad-one", VALID.replace("NAME", "bad-one").replace("dev", "qa"))
    write(acme, "bad-two", VALID.replace("NAME", "bad-two") + "parameters: {training: {max_instances: 99}}\n")
    result = run("validate")
    assert result.code == 2
    assert any("bad-one.yaml" in line for line in result.error_lines)
    assert any("bad-two.yaml" in line for line in result.error_lines)


def test_fails_when_a_spec_has_a_misspelled_field_and_still_reports_its_parameter_errors(run, acme: Path):
    # GIVEN a spec with a misspelled field (`ownr`), a misspelled environment and a parameter over a guardrail
    text = VALID.replace("NAME", "layers").replace("owner:", "ownr:").replace("environment: dev", "environment: prd")
    write(acme, "layers", text + "parameters: {training: {max_instances: 99}}\n")
    # WHEN it is validated
    result = run("validate", "workspaces/layers.yaml")
    # THEN every layer's problem comes at once: the typo (one line, with the field it was meant to be),
    # the environment (with the likely one) and the parameter behind them
    assert result.code == 2, result.out
    assert result.error_lines == [
        "error: workspaces/layers.yaml: ownr: unknown field; did you mean 'owner'?",
        "error: workspaces/layers.yaml: environment: unknown environment 'prd'; did you mean 'prod'? environments "
        "in provision.yaml: dev, prod, sandbox",
        "error: workspaces/layers.yaml: parameters.training.max_instances: 99 exceeds the org guardrail "
        "max_training_instances (4); use at most 4, or ask your platform team to raise max_training_instances",
    ]


def test_fails_when_the_org_config_is_invalid(run, acme: Path):
    org = acme / "provision.yaml"
    org.write_text(org.read_text().replace('account_id: "111111111111"', 'account_id: "123"', 1) + "colour: blue\n")
    result = run("validate")
    assert result.code == 2
    assert any("provision.yaml: environments.dev.account_id" in line for line in result.error_lines)
    assert any("provision.yaml: colour: unknown field" in line for line in result.error_lines)


def test_fails_when_the_promotion_path_names_a_local_cloud_environment(run, acme: Path):
    # GIVEN the example org whose promotion path starts at the local-cloud environment (sandbox)
    org = acme / "provision.yaml"
    text = org.read_text()
    assert "promotion: [dev, prod]" in text
    org.write_text(text.replace("promotion: [dev, prod]", "promotion: [sandbox, prod]"))
    # WHEN anything loads it
    result = run("validate")
    # THEN it is refused as bad input, naming the field and the environment
    assert result.code == 2, result.out
    assert any("provision.yaml: promotion" in line and "'sandbox'" in line and "local-cloud" in line
               for line in result.error_lines), result.err


def test_fails_when_no_org_config_is_found(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.code == 2
    assert "no provision.yaml" in result.err


def test_fails_when_a_blueprint_is_invalid(run, acme: Path):
    # GIVEN an org blueprint folder with a broken blueprint
    folder = acme / "blueprints" / "broken"
    folder.mkdir(parents=True)
    (folder / "1.0.0.yaml").write_text("name: broken\nversion: 1.0.0\ndescription: x\ncapabilities: [training]\n")
    org = acme / "provision.yaml"
    org.write_text(org.read_text().replace("blueprint_paths: []", "blueprint_paths: [blueprints]"))
    # WHEN anything loads the catalog
    result = run("blueprints", "list")
    # THEN the blueprint file and field are named
    assert result.code == 2
    assert any("broken/1.0.0.yaml: capabilities" in line and "foundation" in line for line in result.error_lines)


def test_blueprints_show_lists_parameters_and_defaults(run):
    result = run("blueprints", "show", "gpu-training@1.0.0", "--output", "json")
    assert result.code == 0
    data = json.loads(result.out)
    params = {p["name"]: p for p in data["parameters"]}
    assert params["training.max_instances"]["default"] == 2
    assert "org guardrail max_training_instances" in params["training.max_instances"]["limits"]
    assert "registry" in data["creates"]


def test_blueprints_show_names_the_monitoring_the_default_engine_creates(run, acme: Path):
    # GIVEN full-mlops, whose monitoring engine defaults to the pipeline
    creates = json.loads(run("blueprints", "show", "full-mlops", "-o", "json").out)["creates"]["monitoring"]
    # THEN what it creates is the pipeline; Model Monitor is named only as the other engine's
    assert creates.split(";")[0].endswith("a SageMaker pipeline that runs provision's drift and quality evaluation "
                                           "on a schedule (EventBridge Scheduler), with drift and quality alarms "
                                           "per variant")
    assert "with monitoring.engine: model-monitor, a SageMaker Model Monitor data quality schedule instead" in creates
    # AND full-mlops 1.0.0 (no engine parameter) creates what the org's engine is: Model Monitor in an org that has it
    org = acme / "provision.yaml"
    org.write_text(org.read_text() + "monitoring: {model_monitor: true}\n")
    old = json.loads(run("blueprints", "show", "full-mlops@1.0.0", "-o", "json").out)["creates"]["monitoring"]
    assert old.endswith("a SageMaker Model Monitor data quality schedule") and "pipeline" not in old


def test_fails_when_blueprint_show_names_an_unknown_version(run):
    result = run("blueprints", "show", "gpu-training@7.0.0")
    assert result.code == 2
    assert "available versions: 1.0.0" in result.err


def test_fails_when_a_model_package_is_from_another_workspaces_registry(run, acme: Path):
    # GIVEN recsys-ab whose challenger serves a model package of another workspace's registry in the same
    # account and region (synth would build no endpoint from it: the role may only read its own registry)
    spec = acme / "workspaces" / "recsys-ab.yaml"
    spec.write_text(spec.read_text().replace("model-package/acme-recsys-ab-prod-models/3",
                                             "model-package/acme-other-prod-models/3"))
    # WHEN it is validated
    result = run("validate", "workspaces/recsys-ab.yaml")
    # THEN validate refuses it as synth would: exit 2, the spec, the field and the registry it must come from
    assert result.code == 2, result.out
    [line] = result.error_lines
    assert "workspaces/recsys-ab.yaml: parameters.serving.variants[1].model_package:" in line
    assert "acme-recsys-ab-prod-models" in line


# --- mistakes in the platform engineer's files (org config, blueprints) -----------------------------

def test_fails_when_the_org_config_repeats_a_key(run, acme: Path):
    # GIVEN provision.yaml where the dev environment's region is written twice (YAML would keep the last)
    org = acme / "provision.yaml"
    org.write_text(org.read_text().replace("    region: eu-west-1\n", "    region: eu-west-1\n    region: us-east-1\n", 1))
    # WHEN anything loads it
    result = run("validate")
    # THEN it is refused like any bad input: exit 2, file and field named, both lines shown
    assert result.code == 2, result.out
    [line] = result.error_lines
    first = org.read_text().splitlines().index("    region: eu-west-1") + 1  # dev's, the first environment
    assert f"provision.yaml: environments.dev.region: duplicate key (first at line {first}, again at line {first + 1})" in line
    assert "Traceback" not in result.err


def test_fails_when_a_workspace_spec_repeats_a_key(run, acme: Path):
    # GIVEN a spec that names its team twice
    write(acme, "twice", VALID.replace("NAME", "twice") + "team: other\n")
    # WHEN validated  THEN exit 2 names the spec and the key
    result = run("validate")
    assert result.code == 2
    assert any("workspaces/twice.yaml: team: duplicate key" in line for line in result.error_lines), result.err


def test_fails_when_an_environment_region_is_no_aws_region(run, acme: Path):
    # GIVEN a region that has the shape of one but does not exist
    org = acme / "provision.yaml"
    org.write_text(org.read_text().replace("region: eu-west-1", "region: eu-westt-1", 1))
    # WHEN validated
    result = run("validate")
    # THEN the field is named with the closest real region
    assert result.code == 2, result.out
    [line] = result.error_lines
    assert "provision.yaml: environments.dev.region: 'eu-westt-1' is not an AWS region" in line
    assert "eu-west-1" in line.split("is not an AWS region", 1)[1]


def test_fails_when_a_blueprint_default_breaks_its_own_limits(run, acme: Path):
    # GIVEN an org blueprint whose parameter default lies below the parameter's own minimum
    folder = acme / "blueprints" / "tiny"
    folder.mkdir(parents=True)
    (folder / "1.0.0.yaml").write_text(
        "name: tiny\nversion: 1.0.0\ndescription: x\ncapabilities: [foundation]\n"
        "parameters:\n  budget.monthly_usd: {type: number, minimum: 5, default: 1}\n")
    org = acme / "provision.yaml"
    org.write_text(org.read_text().replace("blueprint_paths: []", "blueprint_paths: [blueprints]"))
    # WHEN the catalog loads
    result = run("blueprints", "list")
    # THEN the blueprint file and parameter are named
    assert result.code == 2, result.out
    [line] = result.error_lines
    assert "tiny/1.0.0.yaml: parameters.budget.monthly_usd.default: 1 is below the minimum 5" in line


def test_request_writes_nothing_when_the_org_config_repeats_a_key(run, acme: Path):
    # GIVEN provision.yaml with a repeated key
    org = acme / "provision.yaml"
    org.write_text(org.read_text() + "engine: terraform\n")
    # WHEN a workspace is requested  THEN exit 2 and no spec is written
    result = run("request", "vision-lab", "--blueprint", "gpu-training", "--env", "dev", "--owner", "carol@example.com",
                 "--team", "vision", "--tag", "cost-center=cc-1")
    assert result.code == 2
    assert any("provision.yaml: engine: duplicate key" in line for line in result.error_lines), result.err
    assert not (acme / "workspaces" / "vision-lab.yaml").exists()


def test_the_region_list_is_the_one_botocore_calls_aws_with():
    import botocore.loaders

    from provisioner.models.aws_regions import known_regions

    # GIVEN botocore's own reading of its partitions data (which the light path reads without importing botocore)
    data = botocore.loaders.Loader().load_data("partitions")
    import re

    expected = {name for p in data["partitions"] for name in p["regions"] if re.fullmatch(p["regionRegex"], name)}
    # THEN the regions validate accepts are exactly those, and the well-known ones are among them
    assert known_regions() == expected
    assert {"eu-west-1", "us-east-1", "us-gov-west-1", "cn-north-1"} <= known_regions()
