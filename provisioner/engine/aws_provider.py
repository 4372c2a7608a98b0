"""The AWS provider, built from its Go module and kept once per user in a Terraform filesystem mirror.

Why build it: machines without access to the Terraform registry can still reach the Go module proxy,
and the provider is a Go module (`github.com/hashicorp/terraform-provider-aws`). Facts that shape this:

- The module path has no `/v6`, so the go command refuses `@v6.x.y`: the module is fetched by commit
  or branch (`go mod download -json MODULE@REF`), and `go build` runs inside the downloaded module
  (its go.mod may carry `replace` directives, which `go install MODULE@VERSION` refuses).
- The binary is ~800 MB, so it lives once in the user cache (`user_cache/aws-provider/mirror`, the
  unpacked mirror layout Terraform reads), never in a repository and never copied per workspace:
  Terraform links an unpacked mirror's package into each working folder.
- Terraform matches the mirror's *folder* version against `required_providers`. A build of a release
  commit is labelled with that release (`--release 6.69.1`, checked against the module's
  `version/VERSION`); any other commit gets a pre-release label (`6.47.1-dev.20260602.g5f2286d6d836`)
  that no ordinary version constraint matches by accident.

`required_version()` is the version the pinned `cdktn-provider-aws` bindings were generated from:
the version every synthesized `cdk.tf.json` asks for.
"""

from __future__ import annotations

import calendar
import importlib.util
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from provisioner.errors import InvalidInput, OperationFailed
from provisioner.runtime import clock, user_cache

MODULE = "github.com/hashicorp/terraform-provider-aws"
ADDRESS = "registry.terraform.io/hashicorp/aws"
PLATFORM = "linux_amd64"
# The newest commit the Go module proxy served here (2026-06-02, version/VERSION 6.47.1). The release
# the bindings ask for (6.69.1) is a tag the proxy cannot serve by name; give its commit with --ref.
# A pseudo-version, not the bare hash: the proxy answers a bare-hash query only while it still has the
# query cached (it refused one here on 2026-12-01), a pseudo-version always.
DEFAULT_REF = "v1.60.1-0.20260602190131-5f2286d6d836"
REF_ENV = "PROVISION_AWS_PROVIDER_REF"
_DOCS_VERSION = re.compile(rb"registry\.terraform\.io/providers/hashicorp/aws/(\d+\.\d+\.\d+)/docs")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")

Progress = Callable[[str], None]


def required_version() -> str:
    """The AWS provider version the installed bindings were generated from (no jsii import: one file read)."""
    spec = importlib.util.find_spec("cdktn_provider_aws")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise OperationFailed("the cdktn-provider-aws package is not installed",
                              "reinstall provision (pip install provisioner-ml)")
    provider_module = Path(list(spec.submodule_search_locations)[0]) / "provider" / "__init__.py"
    try:
        match = _DOCS_VERSION.search(provider_module.read_bytes()[:20000])
    except OSError:
        match = None
    if not match:
        raise OperationFailed("cannot tell which AWS provider version the cdktn-provider-aws bindings target",
                              f"reinstall provision; {provider_module} is missing or changed")
    return match[1].decode()


def mirror_root() -> Path:
    """The filesystem mirror (unpacked layout) holding every AWS provider build of this user."""
    return user_cache.root() / "aws-provider" / "mirror"


def binary_path(version: str, mirror: Path | None = None) -> Path:
    root = mirror or mirror_root()
    return root / ADDRESS / version / PLATFORM / f"terraform-provider-aws_v{version}"


@dataclass(frozen=True)
class Build:
    """One cached provider build and how it was made."""

    version: str
    path: str
    commit: str
    go_version: str
    seconds: float
    peak_rss_mib: int
    size_mib: int
    built_at: str

    @property
    def is_release(self) -> bool:
        return bool(_SEMVER.match(self.version))


def records_root() -> Path:
    """Build records live beside the mirror, not in it: Terraform hashes every file of a provider package."""
    return user_cache.root() / "aws-provider" / "builds"


def cached_builds() -> list[Build]:
    """Every complete build in the cache, newest first (a build is complete once its record is written)."""
    root = records_root()
    builds = []
    if root.is_dir():
        for record in root.glob("*.json"):
            try:
                build = Build(**json.loads(record.read_text()))
            except (OSError, ValueError, TypeError):
                continue  # a record from another provision version, or a torn write: not a build we can vouch for
            if Path(build.path).is_file():
                builds.append(build)
    return sorted(builds, key=lambda b: b.built_at, reverse=True)


def find_build(version: str) -> Build | None:
    return next((b for b in cached_builds() if b.version == version), None)


# -- building ------------------------------------------------------------------------------------


def _go() -> str:
    found = shutil.which("go")
    if not found:
        raise OperationFailed("aws-provider build: step `find go` failed: no `go` on PATH",
                              "install Go 1.26+ (the provider's go.mod names the version it needs)")
    return found


def _run(step: str, args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
         timeout: float = 3600) -> str:
    try:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OperationFailed(f"aws-provider build: step `{step}` failed: {exc}", "check the Go installation") from None
    if done.returncode != 0:
        said = " ".join((done.stderr or done.stdout).split())[-400:]
        raise OperationFailed(f"aws-provider build: step `{step}` failed (exit {done.returncode}): {said}",
                              _fix_for(step))
    return done.stdout


def _fix_for(step: str) -> str:
    if step == "download module":
        return (f"the Go module proxy must serve {MODULE} at that ref: give a commit it has with --ref "
                f"(or {REF_ENV}), check GOPROXY, or retry if the network failed")
    if step == "compile":
        return "see the compiler's message; a machine with less than ~8 GiB free memory may need GOMAXPROCS=1"
    return "rerun with PROVISION_DEBUG=1 for details"


def download(ref: str, progress: Progress) -> tuple[Path, str, str]:
    """(module folder, commit, Go toolchain it asks for) for `ref` from the Go module proxy."""
    progress(f"downloading {MODULE}@{ref} from the Go module proxy")
    out = _run("download module", [_go(), "mod", "download", "-json", f"{MODULE}@{ref}"], timeout=1800)
    try:
        info = json.loads(out)
    except ValueError:
        raise OperationFailed("aws-provider build: step `download module` failed: the go command did not answer JSON",
                              _fix_for("download module")) from None
    if info.get("Error"):
        raise OperationFailed(f"aws-provider build: step `download module` failed: {info['Error']}",
                              _fix_for("download module"))
    commit = str((info.get("Origin") or {}).get("Hash") or info["Version"].rsplit("-", 1)[-1])
    return Path(info["Dir"]), commit, str(info.get("GoVersion") or "")


def label(module_dir: Path, commit: str, release: str | None) -> str:
    """The version folder name the build goes into (see the module docstring)."""
    try:
        source_version = (module_dir / "version" / "VERSION").read_text().strip()
    except OSError:
        raise OperationFailed(f"aws-provider build: step `read version` failed: {module_dir}/version/VERSION is missing",
                              "give --ref a commit of terraform-provider-aws v5.x or v6.x") from None
    if release:
        if release != source_version:
            raise InvalidInput.single("<command line>", "--release",
                                      f"the module at {commit[:12]} says version {source_version}, not {release}",
                                      "give --ref the commit of that release's tag, or leave --release out")
        return release
    day = time.strftime("%Y%m%d", time.gmtime(_commit_time(module_dir)))
    return f"{source_version}-dev.{day}.g{commit[:12]}"


def _commit_time(module_dir: Path) -> float:
    # The module cache names the pseudo-version's timestamp in the folder: ...@v1.60.1-0.20260602190131-<sha>.
    match = re.search(r"-0\.(\d{14})-[0-9a-f]{12}$", module_dir.name)
    if match:
        return calendar.timegm(time.strptime(match[1], "%Y%m%d%H%M%S"))
    return module_dir.stat().st_mtime


def _package_count(go: str, module_dir: Path, env: dict[str, str]) -> int:
    out = _run("list packages", [go, "list", "-deps", "."], cwd=module_dir, env=env, timeout=900)
    return len(out.split())


def compile_provider(module_dir: Path, target: Path, progress: Progress) -> tuple[float, int]:
    """`go build -trimpath -ldflags "-s -w"` into `target`; returns (seconds, peak RSS MiB of the largest process)."""
    go = _go()
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}
    total = _package_count(go, module_dir, env)
    progress(f"compiling {total} packages (the provider is large: tens of minutes on 2 cores)")
    target.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    process = subprocess.Popen([go, "build", "-v", "-trimpath", "-ldflags", "-s -w", "-o", str(target), "."],
                               cwd=module_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               stdin=subprocess.DEVNULL)
    assert process.stdout is not None
    done, tail, last_report = 0, [], 0.0
    for line in process.stdout:
        tail = (tail + [line.rstrip()])[-20:]
        done += 1
        now = time.monotonic()
        if now - last_report >= 30 or done == total:
            progress(f"compiled {min(done, total)}/{total} packages ({now - start:.0f}s)")
            last_report = now
    code = process.wait()
    seconds = time.monotonic() - start
    if code != 0:
        target.unlink(missing_ok=True)
        errors = " ".join(" ".join(tail).split())[-400:]
        raise OperationFailed(f"aws-provider build: step `compile` failed (exit {code}): {errors}", _fix_for("compile"))
    progress(f"linked in {seconds:.0f}s")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kib // 1024


def build(ref: str | None = None, *, release: str | None = None, force: bool = False,
          progress: Progress = lambda line: None) -> Build:
    """Build the provider at `ref` (default: $PROVISION_AWS_PROVIDER_REF, else DEFAULT_REF) into the cache.

    Reused when a build of the same commit is cached (unless `force`). The binary is written beside its
    final place and renamed into it, and the record last: an interrupted build never looks complete.
    """
    ref = ref or os.environ.get(REF_ENV) or DEFAULT_REF
    module_dir, commit, _ = download(ref, progress)
    version = label(module_dir, commit, release)
    cached = find_build(version)
    if cached and not force:
        progress(f"cached: AWS provider {version} at {cached.path}")
        return cached
    final = binary_path(version)
    partial = final.with_name(final.name + ".partial")
    seconds, peak = compile_provider(module_dir, partial, progress)
    os.replace(partial, final)
    go_version = _run("go version", [_go(), "env", "GOVERSION"]).strip()
    result = Build(version=version, path=str(final), commit=commit, go_version=go_version, seconds=round(seconds, 1),
                   peak_rss_mib=peak, size_mib=final.stat().st_size // (1024 * 1024),
                   built_at=clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    record = records_root() / f"{version}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(result), indent=2) + "\n")
    os.replace(tmp, record)
    progress(f"built AWS provider {version}: {result.size_mib} MiB in {result.seconds:.0f}s, "
             f"peak {result.peak_rss_mib} MiB -> {final}")
    return result


def main(argv: list[str] | None = None) -> int:
    """`python -m provisioner.engine.aws_provider [--ref REF] [--release V] [--force]` (what `make aws-provider` runs)."""
    import argparse

    from provisioner.errors import ProvisionError

    parser = argparse.ArgumentParser(prog="aws-provider", description=main.__doc__)
    parser.add_argument("--ref", help=f"commit or branch of {MODULE} (default: ${REF_ENV}, else {DEFAULT_REF[:12]})")
    parser.add_argument("--release", help="the release that commit is (checked against its version/VERSION)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the cache has this build")
    args = parser.parse_args(argv)

    def progress(line: str) -> None:
        print(f"aws-provider: {line}", file=sys.stderr, flush=True)

    try:
        result = build(args.ref, release=args.release, force=args.force, progress=progress)
    except ProvisionError as exc:
        print(f"error: {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return exc.exit_code
    wanted = required_version()
    if result.version != wanted:
        progress(f"note: the bindings ask for {wanted}; this build is {result.version}. Plans use it only where "
                 "PROVISION_AWS_PROVIDER=cache says so (docs/platform-engineer.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
