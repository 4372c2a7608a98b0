"""`make bench`: wall time and peak memory of the CLI, median of several runs, side by side.

B1 light commands (and proof they import no cdktn/jsii/boto3/sagemaker), B2 synth of one full-mlops
workspace beside the floor (cdktn + AWS provider + an empty stack), B3 synth --all of 200 generated
workspaces, B4 synth again with nothing changed, B5 audit of one workspace with a cached synth.
B6 plan of one full-mlops workspace on the local cloud (synth cached), split into init and plan, and
B7 plan --all --jobs 2 over the example org plus 50 generated workspaces, all on the local cloud, with
the disk the org's working folders take: both need the AWS provider build (`make aws-provider`).
Peak memory is the sum of the PSS of the whole process tree (python + node), sampled every 20 ms.
Writes nothing to the repository except when --write-docs is given (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import re
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PROVISION = [str(VENV_BIN / "provision")]
FLOOR = """
from provisioner.runtime.node import ensure_node
ensure_node()
from cdktn import App, TerraformStack
from cdktn_provider_aws.provider import AwsProvider
import tempfile
app = App(outdir=tempfile.mkdtemp())
stack = TerraformStack(app, "floor")
AwsProvider(stack, "aws", region="eu-west-1")
app.synth()
"""
HEAVY = ("jsii", "cdktn", "boto3", "botocore", "sagemaker")


def _tree_rss_kib(pid: int) -> int:
    """Memory of the process tree: the sum of each process's PSS (its private pages plus its share of
    pages it shares with others), so the node binary and libraries two workers share count once."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as handle:
                stack.extend(int(x) for x in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak MiB of the process tree) of one run; raises if the command fails."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kib(process.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv)} failed ({process.returncode}):\n{process.stderr.read().decode()[-2000:]}")
    return wall, peak / 1024


def median_of(runs: int, argv: list[str], cwd: Path, before=None, env: dict[str, str] | None = None
              ) -> tuple[float, float]:
    walls, peaks = [], []
    for _ in range(runs):
        if before:
            before()
        wall, peak = measure(argv, cwd, env)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


def alternating(runs: int, *commands: tuple[list[str], Path]) -> list[tuple[float, float]]:
    """(median wall, peak) of each command, run in turns (A, B, A, B, ...) so that the machine's
    drift from one minute to the next (up to 25% on a shared 2-core machine) affects each alike."""
    walls: list[list[float]] = [[] for _ in commands]
    peaks: list[float] = [0.0 for _ in commands]
    for _ in range(runs):
        for index, (argv, cwd) in enumerate(commands):
            wall, peak = measure(argv, cwd)
            walls[index].append(wall)
            peaks[index] = max(peaks[index], peak)
    return [(statistics.median(w), p) for w, p in zip(walls, peaks)]


def heavy_imports(argv: list[str], cwd: Path) -> list[str]:
    """Top-level packages of HEAVY that `python -X importtime` shows being imported."""
    code = "import sys; from provisioner.cli.main import cli; sys.exit(cli(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *argv], cwd=cwd,
                            capture_output=True, text=True)
    found = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            module = line.rsplit("|", 1)[1].strip().split(".")[0]
            if module in HEAVY:
                found.add(module)
    return sorted(found)


def generate_org(target: Path, count: int) -> None:
    shutil.copytree(ROOT / "examples" / "acme", target, ignore=shutil.ignore_patterns(".provision", "cdktf.out"))
    template = (target / "workspaces" / "forecasting.yaml").read_text()
    for index in range(count):
        name = f"ws-{index:03d}"
        (target / "workspaces" / f"{name}.yaml").write_text(template.replace("name: forecasting", f"name: {name}"))


LOCAL_ENV = "sandbox"  # the example org's local-cloud environment


def move_to_local_cloud(org: Path) -> None:
    """Every workspace of `org` onto its local-cloud environment (B6 and B7 plan without an AWS account); model
    versions named by ARN in prod's account are named in the local cloud's instead (validate requires it)."""
    for spec in (org / "workspaces").glob("*.yaml"):
        text = re.sub(r"(?m)^environment: .*$", f"environment: {LOCAL_ENV}", spec.read_text())
        text = text.replace(":222222222222:", ":123456789012:").replace("-prod-models/", f"-{LOCAL_ENV}-models/")
        spec.write_text(text)


def plan_env() -> tuple[dict[str, str], float] | None:
    """(environment plans run with, provider size in MiB): the cached AWS provider build, nothing from a
    registry; None without a build."""
    sys.path.insert(0, str(ROOT))
    from provisioner.engine import aws_provider

    build = aws_provider.find_build(aws_provider.required_version()) or next(iter(aws_provider.cached_builds()), None)
    if build is None:
        return None
    return {**os.environ, "PROVISION_OFFLINE": "1", "AWS_EC2_METADATA_DISABLED": "true",
            "PROVISION_AWS_PROVIDER": "auto" if build.version == aws_provider.required_version() else "cache"}, \
        build.size_mib


def step_seconds(org: Path, workspace: str, step: str) -> float:
    """Seconds of one Terraform step, from the header of its log (`$ terraform init ... (exit 0, 3.2s)`)."""
    header = (org / ".provision" / "logs" / workspace / f"{step}.log").read_text().splitlines()[0]
    return float(re.search(r"exit \d+, ([\d.]+)s\)", header)[1])


def disk_mib(*folders: Path) -> float:
    """Bytes in the folders, symlinks not followed (a provider linked from the plugin cache costs nothing)."""
    done = subprocess.run(["du", "-s", "--block-size=1", *[str(f) for f in folders if f.exists()]],
                          capture_output=True, text=True, check=True)
    return sum(int(line.split()[0]) for line in done.stdout.splitlines()) / 2**20


def plan_benchmarks(tmp: Path, runs: int, b4_wall: float) -> list[tuple[str, str, float, float, str]]:
    found = plan_env()
    if found is None:
        return [("B6", "provision plan forecasting (local cloud)", float("nan"), float("nan"),
                 "skipped: no AWS provider build (make aws-provider)")]
    env, provider_mib = found
    org = tmp / "local"
    generate_org(org, 50)
    move_to_local_cloud(org)
    provision = lambda *argv: subprocess.run(PROVISION + list(argv), cwd=org, env=env, check=True,  # noqa: E731
                                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    provision("sandbox", "start")
    try:
        provision("bootstrap", LOCAL_ENV)
        provision("synth", "forecasting")
        stack = org / "cdktf.out" / "stacks" / "forecasting"
        cold, inits, plans = [], [], []
        for _ in range(runs):
            shutil.rmtree(stack / ".terraform", ignore_errors=True)  # a fresh working folder: init runs
            wall, peak = measure(PROVISION + ["plan", "forecasting"], org, env)
            cold.append((wall, peak))
            inits.append(step_seconds(org, "forecasting", "init"))
            plans.append(step_seconds(org, "forecasting", "plan"))
        b6_wall, b6_peak = statistics.median(w for w, _ in cold), max(p for _, p in cold)
        warm_wall, warm_peak = median_of(runs, PROVISION + ["plan", "forecasting"], org, env=env)
        target = b4_wall + 10
        rows = [("B6", f"provision plan forecasting (fresh folder: init {statistics.median(inits):.2f} s + terraform "
                       f"plan {statistics.median(plans):.2f} s)", b6_wall, b6_peak,
                 f"<= B4 + 10 s = {target:.2f} s: {'ok' if b6_wall <= target else 'MISSED'}"),
                ("B6", "provision plan forecasting (initialized folder)", warm_wall, warm_peak, "")]
        count = len(list((org / "workspaces").glob("*.yaml")))
        shutil.rmtree(org / "cdktf.out", ignore_errors=True)
        b7_wall, b7_peak = measure(PROVISION + ["plan", "--all", "--jobs", "2"], org, env)
        disk = disk_mib(org / "cdktf.out", org / ".provision")
        limit_wall = 0.6 * count * b6_wall
        limit_disk = provider_mib + 5 * count
        rows.append(("B7", f"provision plan --all --jobs 2 ({count} workspaces; working folders {disk:.0f} MiB)",
                     b7_wall, b7_peak,
                     f"<= 0.6 x {count} x B6 = {limit_wall:.0f} s, <= 4096 MiB, disk <= one provider + 5 MiB per "
                     f"workspace = {limit_disk:.0f} MiB: "
                     f"{'ok' if b7_wall <= limit_wall and b7_peak <= 4096 and disk <= limit_disk else 'MISSED'}"))
        return rows
    finally:
        subprocess.run(PROVISION + ["sandbox", "stop"], cwd=org, env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fleet", type=int, default=200)
    parser.add_argument("--fleet-runs", type=int, default=3, help="B3 runs (each in turn with a B2 run)")
    parser.add_argument("--no-plan", action="store_true", help="leave out B6 and B7 (Terraform plans on the local cloud)")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/performance.md")
    args = parser.parse_args()

    rows: list[tuple[str, str, float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="provision-bench-") as tmp:
        org = Path(tmp) / "acme"
        shutil.copytree(ROOT / "examples" / "acme", org, ignore=shutil.ignore_patterns(".provision", "cdktf.out"))
        for argv in (["--help"], ["blueprints", "list"], ["validate"]):
            wall, peak = median_of(args.runs, PROVISION + argv, org)
            heavy = heavy_imports(argv, org)
            verdict = "ok" if wall <= 0.5 and not heavy else f"MISSED{' (imports ' + ','.join(heavy) + ')' if heavy else ''}"
            rows.append(("B1", "provision " + " ".join(argv), wall, peak, f"<= 0.5 s, no heavy imports: {verdict}"))

        fleet = Path(tmp) / "fleet"
        generate_org(fleet, args.fleet)
        one = PROVISION + ["synth", "forecasting", "--force"]
        (floor_wall, floor_peak), (b2_wall, b2_peak) = alternating(
            max(3, args.runs // 2), ([sys.executable, "-c", FLOOR], org), (one, org))
        # B3 is compared with B2 runs made in turn with it, a few minutes apart from the ones above.
        (b2_near, _), (b3_wall, b3_peak) = alternating(
            args.fleet_runs, (one, org), (PROVISION + ["synth", "--all", "--force"], fleet))
        rows.append(("B2", "floor: cdktn + AWS provider, empty stack", floor_wall, floor_peak, ""))
        rows.append(("B2", "provision synth forecasting (full-mlops)", b2_wall, b2_peak,
                     f"<= floor + 1.0 s = {floor_wall + 1:.2f} s: {'ok' if b2_wall <= floor_wall + 1 else 'MISSED'}"))
        rows.append(("B3", f"provision synth --all ({args.fleet + 4} workspaces)", b3_wall, b3_peak,
                     f"<= 3 x B2 (in turn with it: {b2_near:.2f} s) = {3 * b2_near:.2f} s, <= 2048 MiB: "
                     f"{'ok' if b3_wall <= 3 * b2_near and b3_peak <= 2048 else 'MISSED'}"))

        b4_wall, b4_peak = median_of(args.runs, PROVISION + ["synth", "forecasting"], org)
        rows.append(("B4", "provision synth forecasting (unchanged)", b4_wall, b4_peak,
                     f"<= 10% of B2 = {0.1 * b2_wall:.2f} s: {'ok' if b4_wall <= 0.1 * b2_wall else 'MISSED'}"))
        try:
            b5_wall, b5_peak = median_of(args.runs, PROVISION + ["audit", "forecasting", "--no-checkov"], org)
            rows.append(("B5", "provision audit forecasting (cached synth)", b5_wall, b5_peak,
                         f"<= B4 + 0.5 s = {b4_wall + 0.5:.2f} s: {'ok' if b5_wall <= b4_wall + 0.5 else 'MISSED'}"))
        except SystemExit as exc:
            rows.append(("B5", "provision audit forecasting", float("nan"), float("nan"), f"failed: {str(exc)[:80]}"))
        if not args.no_plan:
            rows += plan_benchmarks(Path(tmp), max(3, args.runs // 2), b4_wall)

    machine = f"{platform.machine()}, {os.cpu_count()} cores, {_mem_gib():.0f} GiB, Python {platform.python_version()}"
    table = ["| bench | command | median wall (s) | peak memory (MiB) | target |", "|---|---|---|---|---|"]
    table += [f"| {b} | {c} | {w:.2f} | {p:.0f} | {t} |" for b, c, w, p, t in rows]
    print(f"machine: {machine}\n")
    print("\n".join(table))
    if args.write_docs:
        write_docs(machine, table)


def _mem_gib() -> float:
    with open("/proc/meminfo") as handle:
        return int(handle.readline().split()[1]) / 1024 / 1024


def write_docs(machine: str, table: list[str]) -> None:
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else ""
    marker_start, marker_end = "<!-- bench:start -->", "<!-- bench:end -->"
    block = "\n".join([marker_start, f"Measured {time.strftime('%Y-%m-%d')} on {machine}.", "", *table, marker_end])
    if marker_start in text:
        text = text.split(marker_start)[0] + block + text.split(marker_end)[1]
    else:
        text += "\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
