"""The audit as one self-contained HTML file (``imr audit --html FILE``).

Everything is inline: the styles, the table script and plotly.js itself (from the plotly package), so
the file opens offline and the page requests nothing. Sections: the summary (coverage, agreement,
kappa, the always-Upheld baseline), charts by category, service, guideline, guideline edition,
reviewer specialty and decision month (a chart for each of those fields that the items carry), the
confusion matrix, reviewer consistency, every disagreement with the engine's deciding criteria beside
the reviewer's guideline line and the letter's evidence quotes, and a sortable, filterable table of
every item.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from engine.reports.audit import AuditItem, Summary, guideline_family, summarize
from engine.reports.consistency import AuditEntry, ConsistencyGroup, inconsistent_groups
from engine.errors import InputError

_EDITION = re.compile(r"^(?:maximus guideline:\s*)?(?:decision based on\s+)?(.*?\b(?:19|20)\d\d)\b", re.I)


def _attr(item: AuditItem, *names: str) -> Any:
    """The first of ``names`` that the item has and that is set (fields other branches add)."""
    for name in names:
        value = getattr(item, name, None)
        if value not in (None, ""):
            return value
    return None


def _edition(item: AuditItem) -> str | None:
    value = _attr(item, "guideline_edition", "edition")
    if value is not None:
        return str(value)
    if not item.cited_guideline:
        return None
    m = _EDITION.match(" ".join(item.cited_guideline.split()))
    return m.group(1) if m else None


def _month(item: AuditItem) -> str | None:
    value = _attr(item, "decision_date", "decided_on", "decision_month")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m")
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}", value):
        return value[:7]
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


# (chart id, title, the group of an item or None when the item does not carry the field)
DIMENSIONS: tuple[tuple[str, str, Callable[[AuditItem], str | None]], ...] = (
    ("category", "By category", lambda i: _text(_attr(i, "category"))),
    ("service", "By service", lambda i: i.service),
    ("guideline", "By guideline cited", lambda i: guideline_family(i.cited_guideline)),
    ("edition", "By guideline edition", _edition),
    ("specialty", "By reviewer specialty", lambda i: _text(_attr(i, "reviewer_specialty", "specialty"))),
    ("month", "By decision month", _month),
)


def _figure_bars(groups: dict[str, list[AuditItem]], title: str, ordered: bool) -> dict[str, Any]:
    import plotly.graph_objects as go

    names = sorted(groups) if ordered else sorted(groups, key=lambda k: (-len(groups[k]), k))
    counts = {
        "agrees": [sum(1 for i in groups[k] if i.agree is True) for k in names],
        "disagrees": [sum(1 for i in groups[k] if i.agree is False) for k in names],
        "no prediction": [sum(1 for i in groups[k] if i.predicted is None) for k in names],
    }
    colours = {"agrees": "#2e7d32", "disagrees": "#c62828", "no prediction": "#9e9e9e"}
    if ordered:  # months: a time axis, left to right
        fig = go.Figure([go.Bar(name=label, x=names, y=values, marker_color=colours[label])
                         for label, values in counts.items()])
        fig.update_layout(height=420, yaxis_title="items")
    else:  # names can be long: horizontal bars, largest group on top, labels cut to 60 characters
        labels = [n if len(n) <= 60 else n[:57] + "..." for n in names]
        fig = go.Figure([go.Bar(name=label, y=labels, x=values, orientation="h", marker_color=colours[label],
                                hovertext=names) for label, values in counts.items()])
        fig.update_layout(height=max(320, 140 + 26 * len(names)), xaxis_title="items",
                          yaxis=dict(autorange="reversed", automargin=True))
    fig.update_layout(barmode="stack", title=title, margin=dict(l=20, r=20, t=70, b=50),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return json.loads(fig.to_json())


def _figure_confusion(summary: Summary) -> dict[str, Any]:
    import plotly.graph_objects as go

    labels = list(summary.confusion)
    z = [[summary.confusion[a][p] for p in labels] for a in labels]
    fig = go.Figure(go.Heatmap(z=z, x=[f"predicted {p}" for p in labels], y=[f"actual {a}" for a in labels],
                               text=z, texttemplate="%{text}", colorscale="Blues", showscale=False))
    fig.update_layout(title="Confusion matrix (predicted items)", height=360, margin=dict(l=120, r=20, t=50, b=60),
                      yaxis=dict(autorange="reversed"))
    return json.loads(fig.to_json())


def _figure_baseline(summary: Summary) -> dict[str, Any]:
    import plotly.graph_objects as go

    def pct(x: float | None) -> float:
        return 0.0 if x is None else round(100 * x, 1)

    fig = go.Figure(go.Bar(x=["engine", "always Upheld"], y=[pct(summary.agreement), pct(summary.baseline_agreement)],
                           marker_color=["#1565c0", "#9e9e9e"], text=[f"{pct(summary.agreement)}%",
                                                                      f"{pct(summary.baseline_agreement)}%"],
                           textposition="auto"))
    fig.update_layout(title="Agreement on the predicted items", yaxis=dict(range=[0, 100], title="%"), height=360,
                      margin=dict(l=50, r=20, t=50, b=40))
    return json.loads(fig.to_json())


def charts(items: list[AuditItem], summary: Summary) -> list[tuple[str, dict[str, Any]]]:
    """(id, plotly figure) for the summary, the confusion matrix and each dimension the items carry."""
    out = [("baseline", _figure_baseline(summary)), ("confusion", _figure_confusion(summary))]
    for key, title, group_of in DIMENSIONS:
        groups: dict[str, list[AuditItem]] = {}
        for item in items:
            name = group_of(item)
            if name is not None:
                groups.setdefault(name, []).append(item)
        if groups:
            out.append((key, _figure_bars(groups, title, ordered=key == "month")))
    return out


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _kappa(x: float | None) -> str:
    return "undefined" if x is None else f"{x:.3f}"


def _json_script(value: Any) -> str:
    # Inside <script>, "</" would end the element early; "<\/" reads as the same string in JSON.
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


def _row(n: int, item: AuditItem) -> dict[str, Any]:
    return {
        "n": n, "case": item.case_id or "", "request": item.request, "service": item.service,
        "guideline": item.cited_guideline or "", "actual": item.actual, "predicted": item.predicted or "none",
        "agree": "-" if item.agree is None else ("yes" if item.agree else "no"), "rules": ", ".join(item.rules),
        "category": _text(_attr(item, "category")) or "", "month": _month(item) or "",
        "specialty": _text(_attr(item, "reviewer_specialty", "specialty")) or "",
    }


def _disagreement(n: int, item: AuditItem) -> str:
    criteria = item.criteria if isinstance(item, AuditEntry) else []
    evidence = item.evidence if isinstance(item, AuditEntry) else []
    if criteria:
        engine = "".join(f"<li><code>{_e(c.rule)}</code>: {_e(c.because)} <cite>({_e(c.citation)})</cite></li>"
                         for c in criteria)
    else:
        engine = f"<li>{_e(item.rationale)}</li>"
    quotes = "".join(f"<li><span class=fact>{_e(q.fact)}</span> <q>{_e(q.quote)}</q></li>" for q in evidence)
    return (
        f'<article class=disagreement id="item-{n}"><h3>{_e(item.case_id)}: {_e(item.request)}</h3>'
        f'<div class=sides><section><h4>Engine: {_e(item.predicted)}</h4><ul>{engine}</ul></section>'
        f'<section><h4>Reviewer: {_e(item.actual)}</h4><p class=guideline>{_e(item.cited_guideline or "no guideline recorded")}</p>'
        f'<h4>Evidence from the letter</h4><ul class=quotes>{quotes or "<li>none recorded</li>"}</ul></section></div></article>'
    )


def _group(g: ConsistencyGroup, items: list[AuditItem]) -> str:
    facts = "".join(f"<tr><td><code>{_e(k)}</code></td><td>{_e(json.dumps(v, default=str))}</td></tr>"
                    for k, v in g.facts.items())
    members = "".join(f'<li><a href="#row-{n}">{_e(items[n].case_id)}</a>: {_e(items[n].request)}: '
                      f"<b>{_e(items[n].actual)}</b></li>" for n in g.items)
    counts = ", ".join(f"{n} {o}" for o, n in g.outcomes.items())
    return (f"<article class=group><h3>{_e(g.service)} ({_e(', '.join(g.rule_sets))}): {_e(counts)}</h3>"
            f"<ul>{members}</ul><details><summary>the {len(g.facts)} facts the rules read, equal in every item"
            f"</summary><table class=facts>{facts}</table></details></article>")


_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1.05em;margin:.3em 0}
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:10em}
.card b{display:block;font-size:1.5em}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1em}
.chart{min-height:360px;border:1px solid #eee}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f5f5f5;position:sticky;top:0}th.sorted-asc:after{content:" \\25B2"}th.sorted-desc:after{content:" \\25BC"}
tr.no td{background:#fff3f3}.sides{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.disagreement,.group{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;margin:.7em 0}
.guideline{font-style:italic}.fact{color:#555;font-family:monospace;font-size:.9em}.controls{margin:.5em 0;display:flex;gap:.5em;flex-wrap:wrap}
.controls input{min-width:20em}.pager{margin:.5em 0}.errors li{font-family:monospace}
"""

_SCRIPT = r"""
(function(){
  const figures = JSON.parse(document.getElementById('figures').textContent);
  for (const [id, fig] of figures) {
    const el = document.getElementById('chart-' + id);
    Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true})
      .then(() => { el.dataset.drawn = '1'; });
  }
  const rows = JSON.parse(document.getElementById('rows').textContent);
  const cols = JSON.parse(document.getElementById('columns').textContent);
  const body = document.querySelector('#items tbody');
  const search = document.getElementById('filter');
  const selects = Array.from(document.querySelectorAll('select[data-col]'));
  const pageSize = 200;
  let sortCol = 'n', sortDir = 1, page = 0, view = rows;
  function apply() {
    const q = search.value.trim().toLowerCase();
    view = rows.filter(r => selects.every(s => !s.value || r[s.dataset.col] === s.value)
      && (!q || cols.some(c => String(r[c[0]]).toLowerCase().includes(q))));
    view.sort((a, b) => (a[sortCol] < b[sortCol] ? -1 : a[sortCol] > b[sortCol] ? 1 : 0) * sortDir);
    page = Math.min(page, Math.max(0, Math.ceil(view.length / pageSize) - 1));
    render();
  }
  function render() {
    const start = page * pageSize, part = view.slice(start, start + pageSize);
    body.textContent = '';
    for (const r of part) {
      const tr = document.createElement('tr');
      tr.id = 'row-' + r.n;
      if (r.agree === 'no') tr.className = 'no';
      for (const [c] of cols) {
        const td = document.createElement('td');
        if (c === 'request' && r.agree === 'no') {
          const a = document.createElement('a'); a.href = '#item-' + r.n; a.textContent = r[c]; td.appendChild(a);
        } else td.textContent = r[c];
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    document.getElementById('count').textContent =
      view.length + ' of ' + rows.length + ' items; showing ' + (view.length ? start + 1 : 0) + '-' + (start + part.length);
  }
  document.querySelectorAll('#items th').forEach(th => th.addEventListener('click', () => {
    const c = th.dataset.col;
    sortDir = (sortCol === c) ? -sortDir : 1; sortCol = c;
    document.querySelectorAll('#items th').forEach(h => h.className = '');
    th.className = sortDir > 0 ? 'sorted-asc' : 'sorted-desc';
    apply();
  }));
  search.addEventListener('input', apply);
  selects.forEach(s => s.addEventListener('change', apply));
  document.getElementById('prev').addEventListener('click', () => { if (page > 0) { page--; render(); } });
  document.getElementById('next').addEventListener('click', () => {
    if ((page + 1) * pageSize < view.length) { page++; render(); } });
  window.addEventListener('hashchange', () => {
    const m = location.hash.match(/^#row-(\d+)$/);
    if (!m) return;
    search.value = ''; selects.forEach(s => s.value = '');
    sortCol = 'n'; sortDir = 1; view = rows; page = Math.floor(Number(m[1]) / pageSize); render();
    const tr = document.getElementById('row-' + m[1]); if (tr) tr.scrollIntoView();
  });
  apply();
})();
"""

COLUMNS = (("n", "#"), ("case", "case"), ("request", "request"), ("service", "service"),
           ("guideline", "reviewer's guideline"), ("actual", "actual"), ("predicted", "predicted"),
           ("agree", "agree"), ("rules", "deciding rules"))
FILTERS = ("service", "actual", "predicted", "agree", "category", "specialty", "month")


def render_html(items: list[AuditItem], *, errors: Iterable[str] = (), facts_used: str = "summary",
                inputs: int | None = None) -> str:
    """The whole report as one HTML document."""
    import plotly.offline

    summary = summarize(items)
    groups = inconsistent_groups(items)
    figures = charts(items, summary)
    rows = [_row(n, i) for n, i in enumerate(items)]
    errors = list(errors)
    coverage = None if not summary.total else summary.evaluated / summary.total
    cards = [("items", str(summary.total)), ("inputs", "" if inputs is None else str(inputs)),
             ("coverage (predicted)", f"{_pct(coverage)} ({summary.evaluated})"),
             ("agreement", _pct(summary.agreement)), ("Cohen's kappa", _kappa(summary.cohen_kappa)),
             ("always-Upheld baseline", f"{_pct(summary.baseline_agreement)}, kappa {_kappa(summary.baseline_kappa)}"),
             ("disagreements", str(len(summary.disagreements))), ("consistency groups", str(len(groups))),
             ("inputs not read", str(len(errors)))]
    selects = []
    for col in FILTERS:
        values = sorted({r[col] for r in rows if r[col]})
        if values:
            options = "".join(f"<option>{_e(v)}</option>" for v in values)
            selects.append(f'<label>{_e(col)} <select data-col="{col}"><option value="">all</option>{options}</select></label>')
    index = {id(i): n for n, i in enumerate(items)}
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' "
        "'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:\">",
        "<title>IMR audit</title><style>", _STYLE, "</style></head><body>",
        f"<h1>IMR audit</h1><p>Facts used: {_e(facts_used)}. Generated {_e(dt.date.today().isoformat())} by imr-engine. "
        "Rates are over the items the engine predicted; the baseline always predicts Upheld on the same items.</p>",
        "<h2>Summary</h2><div class=cards>",
        "".join(f"<div class=card><span>{_e(k)}</span><b>{_e(v)}</b></div>" for k, v in cards),
        "</div><h2>Charts</h2><div class=charts>",
        "".join(f'<div class=chart id="chart-{_e(fid)}"></div>' for fid, _ in figures),
        "</div>",
        f"<h2>Reviewer consistency ({len(groups)})</h2><p>Items whose facts are equal on every criterion the rules in "
        "force read, but whose reviewers decided differently.</p>",
        "".join(_group(g, items) for g in groups) or "<p>None found.</p>",
        f"<h2>Disagreements ({len(summary.disagreements)})</h2>",
        "".join(_disagreement(index[id(i)], i) for i in summary.disagreements) or "<p>None.</p>",
        "<h2>Items</h2><div class=controls><input id=filter type=search placeholder=\"filter: any text\">",
        "".join(selects), "</div><div class=pager><button id=prev>previous</button> <span id=count></span> "
        "<button id=next>next</button></div><table id=items><thead><tr>",
        "".join(f'<th data-col="{c}">{_e(t)}</th>' for c, t in COLUMNS),
        "</tr></thead><tbody></tbody></table>",
    ]
    if errors:
        parts.append(f"<h2>Inputs that could not be read ({len(errors)})</h2><ul class=errors>"
                     + "".join(f"<li>{_e(e)}</li>" for e in errors) + "</ul>")
    parts += [
        f'<script type="application/json" id=figures>{_json_script(figures)}</script>',
        f'<script type="application/json" id=rows>{_json_script(rows)}</script>',
        f'<script type="application/json" id=columns>{_json_script(COLUMNS)}</script>',
        "<script>", plotly.offline.get_plotlyjs(), "</script><script>", _SCRIPT, "</script></body></html>",
    ]
    return "".join(parts)


def write_html(path: str | Path, records: Iterable[Any], facts_used: str = "summary") -> None:
    """Write the report of an audit run's records (engine.reports.results.InputRecord) to ``path``."""
    records = list(records)
    items = [i for r in records for i in r.items]
    errors = [r.error for r in records if r.error]
    text = render_html(items, errors=errors, facts_used=facts_used, inputs=len(records))
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(str(path), f"cannot write the HTML report: {e.strerror}") from None
