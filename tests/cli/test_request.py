"""`provision request`: the data scientist's way in, and the error contract on bad requests."""

from __future__ import annotations

from pathlib import Path

import yaml

REQUEST = ["request", "vision-lab", "--blueprint", "gpu-training", "--env", "dev",
           "--owner", "carol@example.com", "--team", "vision", "--tag", "cost-center=cc-4242"]


def test_request_writes_a_spec_pinned_to_the_latest_blueprint_version(run, acme: Path):
    # GIVEN the example org
    # WHEN a data scientist requests a workspace with one parameter set
    result = run(*REQUEST, "--set", "training.max_instances=3", "--expires", "2027-01-31")
    # THEN the spec is written, pinned, with only what was asked for
    assert result.code == 0, result.err
    spec = yaml.safe_load((acme / "workspaces" / "vision-lab.yaml").read_text())
    assert spec["blueprint"] == "gpu-training@1.0.0"
    assert spec["parameters"] == {"training": {"max_instances": 3}}
    assert spec["tags"] == {"cost-center": "cc-4242"}
    assert str(spec["expires"]) == "2027-01-31"
    # AND the written spec validates
    assert run("validate", "workspaces/vision-lab.yaml").code == 0


def test_fails_when_the_workspace_already_exists(run, acme: Path):
    # GIVEN an existing workspace spec
    before = (acme / "workspaces" / "churn-model.yaml").read_text()
    # WHEN someone requests the same name
    result = run(*REQUEST[:1], "churn-model", *REQUEST[2:])
    # THEN it is refused with exit 2 and the spec is untouched
    assert result.code == 2
    assert "already exists" in result.err
    assert (acme / "workspaces" / "churn-model.yaml").read_text() == before


def test_fails_when_the_gpu_type_is_not_allowed_and_nothing_is_written(run, acme: Path):
    # WHEN the request asks for a GPU outside the org allowlist and too many instances
    result = run(*REQUEST, "--set", "training.instance_types=[ml.p5.48xlarge]", "--set", "training.max_instances=9")
    # THEN both problems are reported at once, named by the option that set them, exit 2, no file written
    assert result.code == 2
    assert len(result.error_lines) == 2
    assert "--set training.instance_types[0]: 'ml.p5.48xlarge' is not allowed by the org guardrails" in result.err
    assert "--set training.max_instances: 9 exceeds the org guardrail max_training_instances (4)" in result.err
    assert not (acme / "workspaces" / "vision-lab.yaml").exists()
    assert "Traceback" not in result.err


def test_fails_when_many_things_are_wrong_and_reports_them_all(run):
    # WHEN the blueprint version, environment, owner and a tag are all wrong
    result = run("request", "x1", "--blueprint", "gpu-training@9.9.9", "--env", "qa", "--owner", "nope",
                 "--team", "vision")
    # THEN each gets its own line naming the field
    assert result.code == 2
    text = "\n".join(result.error_lines)
    for field in ("--blueprint", "--env", "--owner", "NAME"):
        assert f": {field}:" in text, text


def test_fails_when_a_required_tag_is_missing(run):
    result = run("request", "vision-lab", "--blueprint", "gpu-training", "--env", "dev",
                 "--owner", "carol@example.com", "--team", "vision")
    assert result.code == 2
    assert "--tag cost-center: missing required tag" in result.err


def test_fails_when_a_spec_tries_to_override_a_standard_tag(run):
    result = run(*REQUEST, "--tag", "provision:workspace=other")
    assert result.code == 2
    assert "cannot be overridden" in result.err


def test_fails_when_a_parameter_is_unknown(run):
    result = run(*REQUEST, "--set", "training.max_gpus=2")
    assert result.code == 2
    assert "--set training.max_gpus: unknown parameter" in result.err


def test_fails_when_the_blueprint_is_misspelled_with_one_line_that_guesses_it(run, acme: Path):
    # WHEN the blueprint name has a typo (and nothing else is wrong)
    result = run(*[("full-mlop" if arg == "gpu-training" else arg) for arg in REQUEST])
    # THEN one line says so, with the likely name, and nothing contradicts it (no "has no version")
    assert result.code == 2
    assert result.error_lines == [
        "error: <command line>: --blueprint: unknown blueprint 'full-mlop'; did you mean 'full-mlops'? known "
        "blueprints: full-mlops, gpu-training, notebook-lab, realtime-endpoint; see `provision blueprints list`"]
    assert not (acme / "workspaces" / "vision-lab.yaml").exists()


def test_fails_when_the_environment_is_misspelled_with_one_line_that_guesses_it(run):
    # WHEN the environment has a typo
    result = run(*[("sandbx" if arg == "dev" else arg) for arg in REQUEST])
    # THEN one line, naming the option and the likely environment
    assert result.code == 2
    assert result.error_lines == [
        "error: <command line>: --env: unknown environment 'sandbx'; did you mean 'sandbox'? environments in "
        "provision.yaml: dev, prod, sandbox"]


def test_fails_when_a_set_is_not_key_value(run):
    result = run(*REQUEST, "--set", "training.max_instances")
    assert result.code == 2
    assert "--set: 'training.max_instances' is not KEY=VALUE" in result.err


def test_fails_when_an_argument_is_unknown_with_exit_code_2(run):
    result = run("validate", "--bogus")
    assert result.code == 2


# Runs `provision request` in a real process whose os.link (the spec's atomic write) first waits
# until every racer has reached it: each one has passed the "already exists" check, so exactly one
# link can win. The barrier is a folder of marker files, as the racers are separate processes.
RACER = """
import os, sys, time
from pathlib import Path
barrier, count = Path(sys.argv[1]), int(sys.argv[2])
real_link = os.link
def link(src, dst, *args, **kwargs):
    (barrier / str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(list(barrier.iterdir())) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return real_link(src, dst, *args, **kwargs)
os.link = link
from provisioner.cli.main import cli
raise SystemExit(cli(sys.argv[3:]))
"""


def test_fails_clearly_for_every_loser_when_requests_for_one_name_race(acme: Path, tmp_path: Path):
    import os
    import subprocess
    import sys

    # GIVEN four `provision request` processes for the same new name, all past the existence check
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    project = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{project}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(barrier), "4", *REQUEST], cwd=acme, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    # WHEN they write the spec at the same moment
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in racers]
    # THEN one wrote it and every other one got the clear "already exists" (exit 2), not a crash
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2, 2, 2], outcomes
    for code, err in outcomes:
        if code == 2:
            assert "workspaces/vision-lab.yaml: workspace 'vision-lab' already exists" in err, err
            assert "unexpected" not in err
    # AND the spec is whole and no temporary file is left behind
    assert yaml.safe_load((acme / "workspaces" / "vision-lab.yaml").read_text())["name"] == "vision-lab"
    assert sorted(p.name for p in (acme / "workspaces").iterdir() if p.name.startswith(".")) == []


def test_request_writes_the_spec_with_the_same_mode_as_its_siblings(run, acme: Path):
    import os
    import stat

    # GIVEN the usual umask 022, under which the org's existing specs are 0644
    old = os.umask(0o022)
    try:
        # WHEN a workspace is requested
        assert run(*REQUEST).code == 0
    finally:
        os.umask(old)
    # THEN its spec is readable by the group and others too, like any file the user writes
    mode = stat.S_IMODE((acme / "workspaces" / "vision-lab.yaml").stat().st_mode)
    assert mode == 0o644, oct(mode)


def test_request_respects_a_stricter_umask(run, acme: Path):
    import os
    import stat

    # GIVEN a user whose umask keeps files private
    old = os.umask(0o077)
    try:
        assert run(*REQUEST).code == 0
    finally:
        os.umask(old)
    # THEN the spec is private too
    assert stat.S_IMODE((acme / "workspaces" / "vision-lab.yaml").stat().st_mode) == 0o600
def test_request_joins_a_project_that_receives_promoted_models(run, acme: Path):
    # GIVEN the example org, whose project churn trains in dev (promotion: [dev, prod])
    # WHEN a second prod workspace is requested for the project
    result = run("request", "churn-batch", "--blueprint", "realtime-endpoint", "--env", "prod", "--project", "churn",
                 "--owner", "alice@example.com", "--team", "growth", "--tag", "cost-center=cc-1234")
    # THEN its spec names the project, and it receives models from churn-model in dev
    assert result.code == 0, result.err
    assert yaml.safe_load((acme / "workspaces" / "churn-batch.yaml").read_text())["project"] == "churn"
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    org = load_org(acme)
    ctx = load_named(org, Catalog.for_org(org), "churn-batch")
    assert ctx.project == "churn" and [p.workspace for p in ctx.promoted_from] == ["churn-model"]
    # AND churn-model now grants to both prod workspaces' account
    source = load_named(org, Catalog.for_org(org), "churn-model")
    assert sorted(p.workspace for p in source.promotes_to) == ["churn-batch", "churn-serving"]
