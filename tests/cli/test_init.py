"""`provision init`: a new org repository, written whole or not at all, that provision then works in."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
import yaml

from provisioner.cli.main import cli

FLAGS = ["--org-name", "globex", "--account-id", "123456789012", "--region", "us-east-1"]
WRITTEN = ["provision.yaml", "workspaces/README.md", ".gitignore", "README.md", ".github/workflows/provision.yml"]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Runs `provision ARGS` in-process in an empty folder (not inside any org)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROVISION_ORG", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_init_writes_an_org_repository_that_provision_works_in(invoke, tmp_path: Path, monkeypatch):
    # GIVEN an empty folder
    # WHEN a new org repository is scaffolded from flags
    code, out, err = invoke("init", "globex", *FLAGS)
    # THEN every file is written and the org config holds the answers and the default guardrails
    assert code == 0, err
    repo = tmp_path / "globex"
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file()) == sorted(WRITTEN)
    config = yaml.safe_load((repo / "provision.yaml").read_text())
    assert config["org"] == "globex"
    assert config["environments"]["dev"] == {"account_id": "123456789012", "region": "us-east-1", "state": {
        "backend": "s3", "bucket": "globex-provision-state-dev", "key_prefix": "workspaces"}}
    assert config["required_tags"] == ["cost-center"] and config["guardrails"]["max_training_instances"] == 2
    assert "# Limits no workspace may exceed" in (repo / "provision.yaml").read_text()  # commented for people
    assert ".provision/" in (repo / ".gitignore").read_text() and "cdktf.out/" in (repo / ".gitignore").read_text()
    # AND the CI workflow is the one `provision ci github` writes
    from provisioner.fleet.ci import ci_environments, render_github_workflow, workflow_variables
    from provisioner.models.org import OrgConfig

    # (one plan and one apply job for the one environment init writes, with its two role variables)
    workflow = (repo / ".github" / "workflows" / "provision.yml").read_text()
    assert workflow == render_github_workflow(environments=ci_environments(OrgConfig.model_validate(config)))
    # AND the README names exactly the variables the workflow reads
    variables = set(re.findall(r"vars\.(\w+)", workflow))
    assert variables == set(workflow_variables(["dev"])) == {"PROVISION_INDEX_URL", "PROVISION_DEV_PLAN_ROLE_ARN",
                                                               "PROVISION_DEV_ROLE_ARN"}
    readme = (repo / "README.md").read_text()
    assert {v for v in re.findall(r"`(PROVISION_\w+|AWS_\w+)`", readme)} == variables
    # AND inside it, a workspace can be requested from a shipped blueprint and validated
    monkeypatch.chdir(repo)
    code, _, err = invoke("request", "vision", "--blueprint", "gpu-training", "--env", "dev",
                          "--owner", "ann@example.com", "--team", "cv", "--tag", "cost-center=cc-1")
    assert code == 0, err
    assert invoke("validate")[0] == 0


def test_init_asks_for_what_the_flags_do_not_give_on_a_terminal(invoke, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    # GIVEN a terminal where the user types an org name and an account id and accepts the other defaults
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("initech\n\n210987654321\n\n\n"))
    # WHEN init runs without flags
    code, out, err = invoke("init", "initech")
    # THEN the answers and the defaults land in provision.yaml
    assert code == 0, err
    config = yaml.safe_load((tmp_path / "initech" / "provision.yaml").read_text())
    assert config["org"] == "initech"
    assert config["environments"]["dev"]["account_id"] == "210987654321"
    assert config["environments"]["dev"]["region"] == "eu-west-1"
    assert config["environments"]["dev"]["state"]["bucket"] == "initech-provision-state-dev"


def test_fails_when_init_would_overwrite_a_file(invoke, tmp_path: Path):
    # GIVEN a folder that already has a README
    repo = tmp_path / "existing"
    repo.mkdir()
    (repo / "README.md").write_text("ours\n")
    # WHEN init runs there
    code, _, err = invoke("init", "existing", *FLAGS)
    # THEN it refuses (invalid input), names the file, keeps it, and writes nothing else
    assert code == 2
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: existing/README.md: already exists; init never overwrites a file; init a new folder, or move the "
        "file away first"]
    assert (repo / "README.md").read_text() == "ours\n"
    assert [p.name for p in repo.iterdir()] == ["README.md"]


def test_fails_when_org_name_and_account_id_are_invalid(invoke, tmp_path: Path):
    # WHEN init is given an org name with capitals and a 4-digit account id
    code, out, err = invoke("init", "bad", "--org-name", "Globex_Corp", "--account-id", "1234")
    # THEN both problems are reported at once, with the file and the field, and nothing is written
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, err
    assert errors[0].startswith("error: bad/provision.yaml: org: 'Globex_Corp' is not valid here; ")
    assert errors[1].startswith("error: bad/provision.yaml: environments.dev.account_id: '1234' is not valid here; ")
    assert "Traceback" not in err
    assert not (tmp_path / "bad").exists()


def test_fails_when_required_values_are_missing_and_there_is_no_terminal(invoke, tmp_path: Path):
    # GIVEN no terminal (CI, a script)  WHEN init runs without the org name and the account id
    code, _, err = invoke("init", "quiet")
    # THEN it names both missing flags at once and writes nothing
    assert code == 2
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: <command line>: --org-name: is required when init cannot ask (no terminal); pass --org-name VALUE",
        "error: <command line>: --account-id: is required when init cannot ask (no terminal); pass --account-id VALUE",
    ]
    assert not (tmp_path / "quiet").exists()
