"""Helpers of the notebooks tests (org copies and workspace specs), importable from the test modules."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORG = PROJECT_ROOT / "examples" / "acme"
EXAMPLE = "notebook-lab-ws"
PROD_DOMAIN = "d-prod00studio1"
MOTO_ACCOUNT = "123456789012"  # moto's default account
# The longest names the models allow: org 12, environment 10, workspace 32 characters.
WORST_ORG, WORST_ENV, WORST = "abcdefghijkl", "devsandbx1", "notebook-lab-worst-case-for-name"


def copy_org(target: Path) -> Path:
    shutil.copytree(EXAMPLE_ORG, target, ignore=shutil.ignore_patterns(".provision", "cdktf.out"))
    return target


def edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def write_spec(org: Path, name: str, **fields: Any) -> Path:
    spec = {"name": name, "blueprint": "notebook-lab@1.0.0", "environment": "dev", "owner": "carol@example.com",
            "team": "insights", "tags": {"cost-center": "cc-2718"}, "members": ["carol@example.com"], **fields}
    path = org / "workspaces" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def crowd(n: int) -> list[str]:
    return [f"data.scientist.number{i:02d}@research.example.com" for i in range(n)]


def worst_case_org(folder: Path) -> Path:
    """An org with the longest names, a long region and domain id, and a workspace with the most members."""
    from provisioner.specs.checks.notebooks import MAX_MEMBERS

    org_dir = copy_org(folder / "worst")
    for spec in (org_dir / "workspaces").glob("*.yaml"):
        spec.unlink()

    def change(org: dict[str, Any]) -> None:
        env = org["environments"].pop("dev")
        env.update(region="ap-southeast-2", studio={"domain_id": "d-" + "abcdefghij" * 6 + "k"})
        org.update(org=WORST_ORG, environments={WORST_ENV: env})
        org.pop("promotion", None)  # its environments are gone

    edit_yaml(org_dir / "provision.yaml", change)
    members = [f"a.very.long.local.part.of.an.address.{i:02d}@research.example.com" for i in range(MAX_MEMBERS)]
    write_spec(org_dir, WORST, environment=WORST_ENV, members=members,
               parameters={"notebooks": {"custom_image_tag": "a" * 128}})
    return org_dir
