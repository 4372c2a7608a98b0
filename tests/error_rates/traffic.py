"""Simulated endpoint traffic with the structure real CloudWatch data has, for the readout's error-rate harness.

One experiment is two production variants (a challenger on 20 % of the traffic,
the champion on 80 %) over whole days of 5-minute periods:

- requests per period: Poisson around a daily rhythm (peak 1.5x, trough 0.5x
  the mean), split between the variants by their weights;
- 5XX and 4XX answers: binomial per period, their rates following the same
  daily rhythm (busy hours fail more);
- ModelLatency per period (the average CloudWatch reports, in ms): a daily
  rhythm and a load-driven AR(1) both variants share (phi 0.95), each fleet's
  own AR(1) (phi 0.9), and the sampling noise of averaging the period's
  requests;
- labels: 30 % of the requests get a label, which arrives 1 to ~7 days later
  (geometric delay); the daily monitoring run counts the labels that arrived
  that day, as the evaluation script does (each label in exactly one run), as
  true/false positives/negatives of a binary model.

`effect` makes the challenger worse by the readout's default difference that
matters on one measure: 5XX rate +0.5 percentage points, latency +5 %, F1 -0.02.
The numbers are a model, not a measurement of any endpoint; the harness states
them with its results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from provisioner.ds.ab_measures import QualityCounts, VariantData

DAY_PERIODS = 288
MEAN_REQUESTS = 200.0  # per 5-minute period, both variants
SHARES = {"challenger": 0.2, "champion": 0.8}
RATE_5XX, RATE_4XX = 0.002, 0.01
LATENCY_MS = 50.0
LABELED = 0.3
PREVALENCE, TPR, FPR = 0.3, 0.8, 0.1  # the champion's binary model
WORSE_TPR, WORSE_FPR = 0.768, 0.107  # F1 0.02 lower (0.7442 -> 0.7242)
EFFECTS = ("5XX rate", "mean latency (ms)", "f1")


@dataclass
class Experiment:
    requests: dict[str, np.ndarray]  # per period
    errors_5xx: dict[str, np.ndarray]
    errors_4xx: dict[str, np.ndarray]
    latency: dict[str, np.ndarray]  # ms, per period
    labels: dict[str, np.ndarray]  # per daily run: [tp, fp, fn, tn]


def _ar1(rng: np.random.Generator, phi: float, sd: float, size: int, block: int = 64) -> np.ndarray:
    """A stationary AR(1) series, x[t] = phi x[t-1] + e[t], vectorized block by block."""
    shocks = rng.normal(0.0, sd * math.sqrt(1 - phi * phi), size)
    shocks[0] = rng.normal(0.0, sd)
    blocks = -(-size // block)
    padded = np.zeros(blocks * block)
    padded[:size] = shocks
    j = np.arange(block)
    within = padded.reshape(blocks, block) @ np.tril(phi ** (j[:, None] - j[None, :])).T  # this block's shocks
    carried = phi ** (j + 1)  # how the previous block's last value reaches each step
    out = np.empty((blocks, block))
    last = 0.0
    for b in range(blocks):
        out[b] = within[b] + carried * last
        last = out[b, -1]
    return out.ravel()[:size]


def _confusion(tpr: float, fpr: float) -> np.ndarray:
    return np.array([PREVALENCE * tpr, (1 - PREVALENCE) * fpr, PREVALENCE * (1 - tpr), (1 - PREVALENCE) * (1 - fpr)])


def experiment(rng: np.random.Generator, days: int, effect: str | None = None) -> Experiment:
    size = days * DAY_PERIODS
    clock = np.arange(size) / DAY_PERIODS
    rhythm = 1 + 0.5 * np.sin(2 * np.pi * clock)
    total = rng.poisson(MEAN_REQUESTS * rhythm)
    requests = {"challenger": rng.binomial(total, SHARES["challenger"])}
    requests["champion"] = total - requests["challenger"]
    shared = LATENCY_MS * (1 + 0.2 * np.sin(2 * np.pi * clock + 1)) + _ar1(rng, 0.95, 5.0, size)
    out = Experiment({}, {}, {}, {}, {})
    days_index = np.arange(0, size, DAY_PERIODS)
    for name, n in requests.items():
        worse = name == "challenger"
        rate_5xx = RATE_5XX * rhythm + (0.005 if worse and effect == "5XX rate" else 0.0)
        out.requests[name] = n
        out.errors_5xx[name] = rng.binomial(n, rate_5xx)
        out.errors_4xx[name] = rng.binomial(n, RATE_4XX * rhythm)
        noise = rng.normal(0.0, 10.0, size) / np.sqrt(np.maximum(n, 1))
        slower = 1.05 if worse and effect == "mean latency (ms)" else 1.0
        out.latency[name] = shared * slower + _ar1(rng, 0.9, 3.0, size) + noise
        labeled = rng.binomial(np.add.reduceat(n, days_index), LABELED)
        arrived = np.zeros(days, dtype=np.int64)
        for day, count in enumerate(labeled):  # a label arrives 1 + Geometric(0.5) - 1 days after its request
            when = day + rng.geometric(0.5, count)
            arrived += np.bincount(when[when < days], minlength=days)[:days]
        probabilities = _confusion(WORSE_TPR, WORSE_FPR) if worse and effect == "f1" else _confusion(TPR, FPR)
        out.labels[name] = rng.multinomial(arrived, probabilities)
    return out


def view(found: Experiment, end: int) -> list[VariantData]:
    """What the readout sees after `end` periods: everything from the experiment's start (labels: whole days)."""
    runs = end // DAY_PERIODS  # the daily monitoring runs finished by then
    variants = []
    for name, share in SHARES.items():
        tp, fp, fn, tn = (float(x) for x in found.labels[name][:runs].sum(axis=0))
        variants.append(VariantData(
            name, 100 * share, invocations=float(found.requests[name][:end].sum()),
            errors_4xx=float(found.errors_4xx[name][:end].sum()), errors_5xx=float(found.errors_5xx[name][:end].sum()),
            latency=dict(zip(range(end), found.latency[name][:end].tolist())),
            quality=QualityCounts(labeled=tp + fp + fn + tn, correct=tp + tn, tp=tp, fp=fp, fn=fn, tn=tn)))
    return variants


def end_of(found: Experiment, needed: float, unit: str) -> int | None:
    """The first period at which the experiment has the sample a test asked for (None: not within it)."""
    if unit == "requests":
        total = np.cumsum(found.requests["challenger"] + found.requests["champion"])
        index = int(np.searchsorted(total, needed))
        return index + 1 if index < len(total) else None
    if unit == "labeled records":
        total = np.cumsum(found.labels["challenger"].sum(axis=1) + found.labels["champion"].sum(axis=1))
        index = int(np.searchsorted(total, needed))
        return (index + 1) * DAY_PERIODS if index < len(total) else None
    periods = math.ceil(needed)
    return periods if periods <= len(found.requests["champion"]) else None


def wilson(hits: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    p = hits / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)
