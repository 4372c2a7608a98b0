"""The CLI config and environment every engine process gets.

- `CHECKPOINT_DISABLE=1`: no update check against HashiCorp's servers.
- `TF_IN_AUTOMATION=1`, `TF_INPUT=0`: no prompts; provision asks its own questions.
- Providers come from `registry.terraform.io`, cached in a plugin cache shared by
  every workspace (`TF_PLUGIN_CACHE_DIR`, default `~/.cache/provision/terraform-plugins`),
  or, with `PROVISION_PROVIDER_MIRROR=DIR`, from a filesystem mirror for the
  providers it holds (air-gapped machines, tests).
- With `PROVISION_OFFLINE=1`, providers come only from the mirror (or nowhere): Terraform makes no
  network request at all, and a missing provider fails at once, locally (offline machines, demos).
- The AWS provider comes from the user cache's build (`make aws-provider`, see `aws_provider.py`) when
  the cache holds the version the bindings ask for. `PROVISION_AWS_PROVIDER=cache` uses the newest
  cached build even when its version differs (a development build on a machine that cannot reach the
  registry): every working folder then gets an override file that pins that version, and plans say so.
  `PROVISION_AWS_PROVIDER=registry` never uses the cache.
- A CLI config of the user's own (`TF_CLI_CONFIG_FILE` or `~/.terraformrc`) is
  respected when it exists and no mirror is asked for; otherwise provision
  writes its own (some machines preset `TF_CLI_CONFIG_FILE` to a missing file,
  which makes every Terraform command warn).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provisioner.engine.aws_provider import Build

MIRROR_ENV = "PROVISION_PROVIDER_MIRROR"
OFFLINE_ENV = "PROVISION_OFFLINE"
PLUGIN_CACHE_ENV = "TF_PLUGIN_CACHE_DIR"
AWS_PROVIDER_ENV = "PROVISION_AWS_PROVIDER"
AWS_PROVIDER_CHOICES = ("auto", "cache", "registry")
AWS_ADDRESS = "registry.terraform.io/hashicorp/aws"


def default_plugin_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "provision" / "terraform-plugins"


def mirror_providers(mirror: Path) -> list[str]:
    """Provider source addresses (`host/namespace/type`) a filesystem mirror holds (either layout)."""
    found = set()
    for host in sorted(p for p in mirror.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for namespace in sorted(p for p in host.iterdir() if p.is_dir()):
            for kind in sorted(p for p in namespace.iterdir() if p.is_dir() or p.name.endswith(".json")):
                name = kind.name[:-5] if kind.name.endswith(".json") else kind.name
                found.add(f"{host.name}/{namespace.name}/{name}")
    return sorted(found)


def _hcl_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def render_cli_config(plugin_cache: Path, mirror: Path | None, *, offline: bool = False,
                      aws_mirror: Path | None = None) -> str:
    lines = [
        "# Written by provision: the CLI config its engine processes use.",
        f"plugin_cache_dir = {json.dumps(str(plugin_cache))}",
    ]
    aws_block = [
        "  filesystem_mirror {",
        f"    path    = {json.dumps(str(aws_mirror))}",
        f"    include = {_hcl_list([AWS_ADDRESS])}",
        "  }",
    ] if aws_mirror is not None else []
    if offline:
        # No `direct` block: Terraform never asks a registry; an empty mirror folder when none is given.
        source = mirror if mirror is not None else plugin_cache / "offline-mirror"
        source.mkdir(parents=True, exist_ok=True)
        lines += [
            "provider_installation {",
            *aws_block,
            "  filesystem_mirror {",
            f"    path = {json.dumps(str(source))}",
            "  }",
            "}",
        ]
    elif mirror is not None or aws_mirror is not None:
        providers = mirror_providers(mirror) if mirror is not None else []
        mirror_block = [
            "  filesystem_mirror {",
            f"    path    = {json.dumps(str(mirror))}",
            f"    include = {_hcl_list(providers)}",
            "  }",
        ] if mirror is not None else []
        excluded = sorted(set(providers) | ({AWS_ADDRESS} if aws_mirror is not None else set()))
        lines += [
            "provider_installation {",
            *aws_block,
            *mirror_block,
            "  direct {",
            f"    exclude = {_hcl_list(excluded)}",
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def user_cli_config() -> Path | None:
    preset = os.environ.get("TF_CLI_CONFIG_FILE")
    if preset:
        return Path(preset) if Path(preset).is_file() else None
    home = Path.home() / ".terraformrc"
    return home if home.is_file() else None


@dataclass(frozen=True)
class CliConfig:
    """What the engine processes are told: a CLI config file and where providers come from."""

    path: Path
    plugin_cache: Path
    mirror: Path | None
    own: bool  # True when provision wrote the file
    aws_build: "Build | None" = None  # the cached AWS provider build Terraform uses, if any
    aws_override: str | None = None  # a version that overrides the bindings' required_providers (PROVISION_AWS_PROVIDER=cache)

    @property
    def providers_from(self) -> str:
        if os.environ.get(OFFLINE_ENV) == "1":
            text = f"offline ({OFFLINE_ENV}=1): only the filesystem mirror {self.mirror or '(none)'}, never the registry"
        elif self.mirror is not None:
            text = f"filesystem mirror {self.mirror} (for {', '.join(mirror_providers(self.mirror)) or 'nothing'}), else the registry"
        else:
            text = f"the registry, cached in {self.plugin_cache}" + ("" if self.own else f" (your CLI config {self.path})")
        return f"{text}; {self.aws_provider_from}"

    @property
    def aws_provider_from(self) -> str:
        """Where Terraform gets hashicorp/aws, in one phrase (doctor and plan output)."""
        if self.aws_build is None:
            return "AWS provider: " + ("none available offline (make aws-provider)" if os.environ.get(OFFLINE_ENV) == "1"
                                       else "from the registry")
        pinned = (f", pinned over the bindings' {required_aws_version()} by {AWS_PROVIDER_ENV}=cache"
                  if self.aws_override else "")
        return f"AWS provider {self.aws_build.version} built from source in {self.aws_build.path}{pinned}"

    def env(self) -> dict[str, str]:
        values = {
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "TF_CLI_CONFIG_FILE": str(self.path),
            "TOFU_CLI_CONFIG_FILE": str(self.path),
        }
        if not self.own:
            values[PLUGIN_CACHE_ENV] = str(self.plugin_cache)
        return values


def required_aws_version() -> str:
    from provisioner.engine.aws_provider import required_version

    return required_version()


def choose_aws_build() -> tuple["Build | None", str | None]:
    """(cached build Terraform should use, version override) per PROVISION_AWS_PROVIDER (see the docstring)."""
    from provisioner.engine import aws_provider
    from provisioner.errors import InvalidInput, OperationFailed

    choice = os.environ.get(AWS_PROVIDER_ENV, "").strip() or "auto"
    if choice not in AWS_PROVIDER_CHOICES:
        raise InvalidInput.single("<environment>", AWS_PROVIDER_ENV, f"unknown value {choice!r}",
                                  f"use one of: {', '.join(AWS_PROVIDER_CHOICES)}")
    if choice == "registry":
        return None, None
    wanted = aws_provider.required_version()
    exact = aws_provider.find_build(wanted)
    if exact is not None or choice == "auto":
        return exact, None
    builds = aws_provider.cached_builds()
    if not builds:
        raise OperationFailed(f"{AWS_PROVIDER_ENV}=cache but the user cache holds no AWS provider build",
                              "build one with `make aws-provider` (or python -m provisioner.engine.aws_provider)")
    return builds[0], builds[0].version


def prepare(work_dir: Path) -> CliConfig:
    """Choose and, if needed, write the CLI config under `work_dir`."""
    cache = Path(os.environ.get(PLUGIN_CACHE_ENV) or default_plugin_cache()).expanduser().resolve()
    cache.mkdir(parents=True, exist_ok=True)
    mirror_env = os.environ.get(MIRROR_ENV)
    mirror = Path(mirror_env).expanduser().resolve() if mirror_env else None
    if mirror is not None and not mirror.is_dir():
        from provisioner.errors import OperationFailed

        raise OperationFailed(f"{MIRROR_ENV}={mirror_env} is not a folder",
                              "point it at a Terraform filesystem mirror (host/namespace/type/version/os_arch/...), or unset it")
    offline = os.environ.get(OFFLINE_ENV) == "1"
    aws_build, aws_override = choose_aws_build()
    if mirror is not None and AWS_ADDRESS in mirror_providers(mirror):
        aws_build, aws_override = None, None  # an explicit mirror that holds the AWS provider wins
    if mirror is None and not offline and aws_build is None:
        existing = user_cli_config()
        if existing is not None:
            return CliConfig(existing, cache, None, own=False)
    from provisioner.engine.aws_provider import mirror_root

    aws_mirror = mirror_root() if aws_build is not None else None
    text = render_cli_config(cache, mirror, offline=offline, aws_mirror=aws_mirror)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / f"terraform-{digest}.tfrc"
    if not path.is_file():
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(text)
        os.replace(tmp, path)
    return CliConfig(path, cache, mirror, own=True, aws_build=aws_build, aws_override=aws_override)
