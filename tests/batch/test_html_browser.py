"""The HTML report in headless Chromium (the shared corpus where present, and the bundled cases
always, so that CI draws one too): every chart drawn, no request made.

Needs the system Chromium at /usr/bin/chromium (Debian package `chromium`) and the `playwright`
package (test extra); skips with the reason when either, or the shared corpus, is absent.
By default every 7th letter of the corpus (20 of 140: reading PDFs dominates the time);
IMR_BROWSER_FULL=1 reports on all of them.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import CORPUS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install -y chromium)")
BUNDLED = Path(__file__).resolve().parents[2] / "cases"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus ../shared/corpus/imr-2016-17/pdf absent")
def test_report_of_the_corpus_draws_every_chart_offline(tmp_path):
    letters = sorted(str(p) for p in CORPUS.glob("*.pdf"))
    if not os.environ.get("IMR_BROWSER_FULL"):
        letters = letters[::7]
    ids, drawn, rows, filtered = _render(letters, tmp_path)
    assert {"chart-baseline", "chart-confusion", "chart-service", "chart-guideline", "chart-edition"} <= set(ids)
    assert all(svgs >= 1 and marks >= 1 for _, svgs, marks in drawn), drawn
    assert 0 < filtered < rows <= 200


def test_report_of_the_bundled_cases_draws_every_chart_offline(tmp_path):
    """The same on the bundled cases, so that a machine without the corpus (CI) draws a report too."""
    ids, drawn, rows, _ = _render([str(BUNDLED)], tmp_path)
    assert {"chart-baseline", "chart-confusion", "chart-service"} <= set(ids)
    assert all(svgs >= 1 and marks >= 1 for _, svgs, marks in drawn), drawn
    assert rows >= 8


def _render(inputs, tmp_path):
    """Audit ``inputs`` into an HTML report, open it offline in Chromium; the charts, the table's
    rows before and after filtering on "Overturned". Asserts no page error, no request but the page
    itself, and a screenshot written."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
    report = tmp_path / "report.html"
    letters = inputs
    proc = subprocess.run([sys.executable, "-m", "engine", "audit", "--jobs", "2", "--html", str(report), *letters],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 2), proc.stderr
    requests, errors = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report.as_uri())
            page.wait_for_function(
                "document.querySelectorAll('.chart').length > 0 && document.querySelectorAll('.chart').length"
                " === document.querySelectorAll('.chart[data-drawn=\"1\"]').length", timeout=30_000)
            drawn = page.eval_on_selector_all(
                ".chart", "els => els.map(e => [e.id, e.querySelectorAll('svg.main-svg').length,"
                " e.querySelectorAll('.bars .point path, .heatmaplayer image, .hm image').length])")
            rows = page.eval_on_selector_all("#items tbody tr", "els => els.length")
            page.fill("#filter", "Overturned")
            filtered = page.eval_on_selector_all("#items tbody tr", "els => els.length")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        finally:
            browser.close()
    assert errors == []
    assert requests == [report.as_uri()]  # the page itself, and nothing else
    assert (tmp_path / "report.png").stat().st_size > 10_000
    return [d[0] for d in drawn], drawn, rows, filtered
