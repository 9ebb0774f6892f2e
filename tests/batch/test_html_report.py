"""imr audit --html: one self-contained file; a chart for every field the items carry."""
from __future__ import annotations

import datetime as dt
import json
import re

from corpus import ROOT, TODAY
from engine import cli
from engine.reports.consistency import AuditEntry
from engine.reports.html_report import charts, render_html
from engine.reports.audit import summarize


def figures(page: str) -> list:
    return json.loads(re.search(r'<script type="application/json" id=figures>(.*?)</script>', page, re.S).group(1))


def test_the_report_is_one_file_that_needs_no_network(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli.main(["audit", "--today", TODAY, "--jobs", "1", "--html", str(out), str(ROOT / "cases")]) == 0
    assert f"items in {out}" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    import plotly.offline

    ours = page.replace(plotly.offline.get_plotlyjs(), "")  # plotly.js quotes its own site's address
    assert len(ours) < len(page) - 1_000_000  # plotly.js is inside
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", ours)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "Plotly.newPlot" in ours
    # The audit items carry their category and the cited edition (the seed letters cite the 2009
    # guidelines by page, and ACOEM chapters): those charts appear; no specialty or decision date.
    assert [fid for fid, _ in figures(page)] == ["baseline", "confusion", "category", "service", "guideline", "edition"]
    # every disagreement with the engine's criteria, the reviewer's line and the letter's words
    assert page.count("<article class=disagreement") == 2
    assert "psych.behavioral.initial_trial.too_many" in page and "Evidence from the letter" in page


class Later(AuditEntry):
    """An item with the fields the letter model is getting: their charts appear by themselves."""

    category: str | None = None
    reviewer_specialty: str | None = None
    decision_date: dt.date | None = None


def test_fields_added_to_the_items_get_their_charts():
    base = dict(request="r", service="acupuncture", actual="Upheld", predicted="Upheld")
    items = [Later(**base, category="rehabilitation", reviewer_specialty="Acupuncture",
                   decision_date=dt.date(2016, 12, 5)),
             Later(**base, category="imaging", reviewer_specialty="Radiology", decision_date=dt.date(2017, 1, 9))]
    got = dict(charts(items, summarize(items)))
    assert {"category", "specialty", "month"} <= set(got)
    assert got["month"]["data"][0]["x"] == ["2016-12", "2017-01"]
    page = render_html(items)
    assert '<select data-col="category">' in page and '<select data-col="month">' in page


def test_text_of_the_items_is_escaped():
    item = AuditEntry(request="<script>alert(1)</script>", service="other", actual="Upheld",
                      predicted="Overturned", case_id="</script><b>")
    page = render_html([item])
    assert "<script>alert(1)</script>" not in page and "</script><b>" not in page
