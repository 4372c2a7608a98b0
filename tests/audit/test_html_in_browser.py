"""The HTML report as a reviewer sees it: one page load in a real headless Chromium at 1,400 px.

Chromium is Debian's `chromium` package, which `make setup` installs (as root, through apt-get); where it
is not installed the test is skipped with that reason in the summary. The report itself has no script; the
test loads a copy with one added script that only reads the boxes the browser laid out and writes them
into the page, which `--dump-dom` returns with the same load that takes the screenshot.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from provisioner.audit.graph import owners, render_svg
from provisioner.audit.render import render
from provisioner.audit.report import build_report
from provisioner.audit.runner import run_audit

pytestmark = pytest.mark.synth
VIEWPORT = 1400
# Reads every drawn resource's box and its text lines, the page's and the picture frame's widths, and the
# print rules as the browser parsed them.
MEASURE = """<script>
const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top + scrollY,
  bottom: r.bottom + scrollY}; };
const nodes = [...document.querySelectorAll('svg g.node')].map(g => ({address: g.dataset.address,
  box: box(g.querySelector('rect')), lines: [...g.querySelectorAll('text')].map(t => ({text: t.textContent,
  box: box(t)}))}));
const frame = document.querySelector('.graph');
const rules = [...document.styleSheets].flatMap(sheet => [...sheet.cssRules]);
const print = rules.filter(r => r.media && r.media.mediaText === 'print').flatMap(r => [...r.cssRules])
  .map(r => r.cssText);
const out = document.createElement('pre');
out.id = 'measured';
out.textContent = JSON.stringify({viewport: innerWidth, page: document.documentElement.scrollWidth,
  frame: [frame.clientWidth, frame.scrollWidth], picture: getComputedStyle(frame.querySelector('svg')).maxWidth,
  print, nodes});
document.body.append(out);
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium not installed: `make setup` installs Debian's chromium package (needs root)")
    return found


def test_html_picture_fits_1400_px_with_whole_names_in_a_real_browser(example, tmp_path: Path):
    browser = chromium()
    # GIVEN the HTML report of the largest example workspace (full-mlops with its endpoint: 60+ resources,
    # the model -> endpoint config -> endpoint -> autoscaling chain and the execution role)
    _, workspaces = example
    ctx, config_path = workspaces["demand-forecast-live"]
    result = run_audit(config_path, ctx=ctx, checkov=False)
    report = render(build_report(result), "html", svg=render_svg(result.config))
    page = tmp_path / "report.html"
    page.write_text(report.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    # WHEN Chromium loads it once in a 1,400 px wide window, taking a screenshot and returning the laid-out page
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         f"--window-size={VIEWPORT},2400", f"--screenshot={shot}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    measured = json.loads(html.unescape(found.group(1)))
    # THEN the screenshot is 1,400 px wide, and neither the page nor the picture's frame scrolls sideways
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(shot.read_bytes()[16:20], "big") == VIEWPORT
    assert measured["viewport"] == VIEWPORT and measured["page"] <= VIEWPORT
    assert measured["frame"][1] <= measured["frame"][0]
    # AND every resource has its box, and every box lies inside the viewport
    folded = owners(result.config)  # settings drawn inside their owner's box
    drawn = {node["address"] for node in measured["nodes"]}
    assert drawn == {r.address for r in result.config.managed() if r.address not in folded}
    assert {"aws_sagemaker_model", "aws_sagemaker_endpoint_configuration", "aws_sagemaker_endpoint",
            "aws_appautoscaling_target", "aws_appautoscaling_policy", "aws_iam_role"} <= {a.split(".")[0] for a in drawn}
    for node in measured["nodes"]:
        b = node["box"]
        assert 0 <= b["left"] < b["right"] <= VIEWPORT and b["top"] >= 0, node
        # AND each line of its text lies inside its box: names are wrapped, not cut or spilling out
        for line in node["lines"]:
            assert b["left"] <= line["box"]["left"] and line["box"]["right"] <= b["right"] - 2, (node["address"], line)
    # AND on paper the picture scales to the page, without its scroll frame, and no box is split across pages
    assert measured["picture"] == "100%"
    assert any(rule.startswith(".graph {") and "border-style: none" in rule for rule in measured["print"]), measured["print"]
    assert any(".node" in rule and "break-inside: avoid" in rule for rule in measured["print"]), measured["print"]
    # AND each name is there whole, over as many lines as it takes
    labels = {r.address: result.config.label(r) for r in result.config.managed()}
    for node in measured["nodes"]:
        assert labels[node["address"]] in "".join(line["text"] for line in node["lines"]), node["address"]
