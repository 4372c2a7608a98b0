"""The simulation harness: error rates of the A/B readout and of the drift alarm, measured once per session.

Each rate is a count of experiments (hits out of trials) with a fixed seed, so
a run measures the same figures on every machine; docs/monitoring.md states
them and tests/error_rates/test_documented_rates.py keeps the two equal. The
terminal summary prints every rate with its 95 % Wilson interval.

The traffic is simulated (tests/error_rates/traffic.py); what judges it is the
product's own code: the readout's arithmetic (`provisioner.ds.ab_report.readout`,
everything `provision endpoint report` does after reading CloudWatch) and the
evaluation script's drift decision (`evaluate.drift`, what a monitoring run
does with the per-bin counts it read; the counts are drawn here from the
baseline itself, multinomially). Reading CloudWatch and S3 is tested on the
moto server elsewhere (tests/ds/, tests/monitoring/).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pytest

from .traffic import DAY_PERIODS, EFFECTS, end_of, experiment, view, wilson

EXPERIMENTS = 200  # per rate
AA_DAYS = 14  # A/A experiments: one look a day for two weeks
POWER_DAYS = {"5XX rate": 1, "mean latency (ms)": 10, "f1": 20}  # enough for the sample each test asks for
FIRST_LOOK = {"5XX rate": 12, "mean latency (ms)": 168, "f1": DAY_PERIODS}  # periods: an hour, 14 hours, a day
NOW = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Rate:
    what: str
    hits: int
    trials: int

    @property
    def share(self) -> float:
        return self.hits / self.trials

    def row(self) -> str:
        """The row of docs/monitoring.md's table that states this rate."""
        low, high = wilson(self.hits, self.trials)
        return (f"| {self.what.strip()} | {100 * self.share:.1f} % | {self.hits} of {self.trials} | "
                f"{100 * low:.1f}-{100 * high:.1f} % |")

    def line(self) -> str:
        low, high = wilson(self.hits, self.trials)
        return (f"{self.what}: {100 * self.share:.1f} % ({self.hits} of {self.trials}; 95 % CI "
                f"{100 * low:.1f}-{100 * high:.1f} %)")


@dataclass
class Measured:
    rates: dict[str, Rate] = field(default_factory=dict)

    def add(self, key: str, what: str, hits: int, trials: int) -> Rate:
        self.rates[key] = Rate(what, hits, trials)
        return self.rates[key]


MEASURED = Measured()


def _readout(variants):  # noqa: ANN001, ANN202
    from provisioner.ds.ab_report import Settings, Start, readout

    settings = Settings(quality_metric="f1", problem_type="binary")
    return readout(variants, settings, workspace="sim", endpoint="sim-endpoint",
                   start=Start(NOW - dt.timedelta(days=AA_DAYS), "the simulated experiment's start", nested=True),
                   end=NOW)


@pytest.fixture(scope="session")
def aa_rates() -> dict[str, Rate]:
    """A/A: identical variants, the readout looked at every day for 14 days; any better/worse or promote is false."""
    from provisioner.ds.ab_report import BETTER, WORSE

    rng = np.random.default_rng(2026)
    claimed = 0
    by_measure: dict[str, int] = {}
    for _ in range(EXPERIMENTS):
        found = experiment(rng, AA_DAYS)
        false = set()
        for day in range(1, AA_DAYS + 1):
            report = _readout(view(found, day * DAY_PERIODS))
            false.update(j.comparison.measure for j in report.judged if j.verdict in (BETTER, WORSE))
            if any("consider" in sentence for sentence in report.conclusions().values()):
                false.add("promotion")
        claimed += bool(false)
        for measure in false:
            by_measure[measure] = by_measure.get(measure, 0) + 1
    found_rates = {"aa": MEASURED.add("aa", "A/A readouts with a false claim, looked at daily for 14 days",
                                      claimed, EXPERIMENTS)}
    for measure, hits in sorted(by_measure.items()):
        found_rates[f"aa {measure}"] = MEASURED.add(f"aa {measure}", f"  of them with a false claim on {measure}", hits,
                                                        EXPERIMENTS)
    return found_rates


@pytest.fixture(scope="session")
def power_rates() -> dict[str, Rate]:
    """A/B: the challenger worse by the difference that matters on one measure; people come back when told to.

    The first look comes early (an hour, 14 hours or a day of traffic); every
    next look comes when the data reaches the sample the readout asked for at
    the last look. The effect counts as found when the readout said
    "challenger worse" on that measure at any look up to the one at which the
    sample reached what the test asks for.
    """
    from provisioner.ds.ab_report import WORSE

    rng = np.random.default_rng(2027)
    found_rates = {}
    for effect in EFFECTS:
        hits = 0
        for _ in range(EXPERIMENTS):
            found = experiment(rng, POWER_DAYS[effect], effect)
            end, detected = FIRST_LOOK[effect], False
            while end is not None:
                judged = next(j for j in _readout(view(found, end)).judged if j.comparison.measure == effect)
                detected = detected or judged.verdict == WORSE
                planned = judged.comparison.planned
                if planned.reached:
                    hits += detected
                    break
                if planned.needed is None:  # not enough data to plan yet: come back as late again
                    following = end + FIRST_LOOK[effect]
                    following = following if following <= POWER_DAYS[effect] * DAY_PERIODS else None
                else:
                    following = end_of(found, planned.needed, planned.unit)
                end = None if following is None else max(following, end + 1)
        found_rates[effect] = MEASURED.add(f"power {effect}", f"power on {effect}, at the sample the readout "
                                           "asks for", hits, EXPERIMENTS)
    return found_rates


DRIFT_RUNS = 2000  # per number of records
DRIFT_SIZES = (30, 100, 1000)


def drift_baseline() -> dict:
    """Twelve features as `evaluate.py baseline` writes them: decile bins, skewed and rare categories, missing values."""
    numeric = [{"name": f"n{i}", "type": "numeric", "bin_edges": [float(e) for e in range(1, 10)],
                "proportions": [0.1] * 10} for i in range(6)]
    numeric.append({"name": "income", "type": "numeric", "bin_edges": [10.0, 20.0, 50.0, 100.0],
                    "proportions": [0.4, 0.3, 0.2, 0.08, 0.02], "missing": 0.05})
    categorical = [
        {"name": "plan", "type": "categorical", "proportions": {"basic": 0.7, "pro": 0.25, "team": 0.05}},
        {"name": "country", "type": "categorical",
         "proportions": {c: p for c, p in zip("abcdefghij", (0.4, 0.2, 0.1, 0.1, 0.05, 0.05, 0.04, 0.03, 0.02, 0.01))}},
        {"name": "device", "type": "categorical", "proportions": {"ios": 0.5, "android": 0.5}, "missing": 0.2},
        {"name": "tier", "type": "categorical", "proportions": {"1": 0.9, "2": 0.09, "3": 0.01}},
        {"name": "flag", "type": "categorical", "proportions": {"0": 0.98, "1": 0.02}},
    ]
    return {"version": 1, "features": numeric + categorical}


@pytest.fixture(scope="session")
def drift_rates() -> dict[int, Rate]:
    """Runs whose records come from the baseline itself: any drifted feature is a false alarm."""
    from provisioner.monitoring import evaluate

    baseline = drift_baseline()
    rng = np.random.default_rng(2028)
    found = {}
    for size in DRIFT_SIZES:
        alarms = 0
        for _ in range(DRIFT_RUNS):
            features = []
            for feature in baseline["features"]:
                counts = evaluate.FeatureCounts(feature)
                missing = int(rng.binomial(size, feature.get("missing", 0.0)))
                expected, _ = counts.distribution()
                drawn = rng.multinomial(size - missing, np.array(expected) / sum(expected)).tolist()
                if isinstance(counts.bins, dict):
                    keys = sorted(counts.bins, key=lambda k: -float(feature["proportions"].get(k, 0.0)))
                    keys.remove(evaluate.OTHER)
                    counts.bins.update(zip(keys + [evaluate.OTHER], drawn))
                else:
                    counts.bins = drawn
                counts.missing, counts.records = missing, size
                features.append(counts)
            alarms += bool(evaluate.drift(baseline, features, size, 0.2)["drifted"])
        found[size] = MEASURED.add(f"drift {size}", f"drift false alarms per run of one variant at {size} records "
                                   f"(12 features)", alarms, DRIFT_RUNS)
    return found


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001 - pytest hook
    """Every rate the harness measured in this session, with its interval."""
    if MEASURED.rates:
        terminalreporter.write_line("statistics (simulated; docs/monitoring.md states these):")
        for rate in MEASURED.rates.values():
            terminalreporter.write_line(f"  {rate.line()}")
