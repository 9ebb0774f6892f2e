"""`imr audit`: every seed item with its actual outcome, the metrics, and every input accounted for."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from engine import cli

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "cases" / "seeds"


def run(args, capsys):
    status = cli.main(args)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_default_audit_lists_all_eight_seed_items_with_true_outcomes(capsys):
    status, out, err = run(["audit", "--json", "--today", "2014-03-01"], capsys)
    assert status == 0 and err == ""
    report = json.loads(out)
    seed_items = [i for i in report["items"] if i["case_id"][:3].isdigit()]
    assert len(seed_items) == 8
    assert sorted(i["actual"] for i in seed_items) == ["Overturned"] + ["Upheld"] * 7
    assert report["facts_used"] == "summary"
    assert {"total", "evaluated", "no_prediction", "agreement", "cohen_kappa", "confusion", "baseline_agreement",
            "baseline_kappa", "by_service", "by_guideline", "disagreements", "inputs", "errors"} <= set(report)
    # every input file is accounted for, including the examples that carry no determination
    sources = {i["source"] for i in report["inputs"]}
    assert all(str(p) in sources for p in SEEDS.glob("*.yaml"))


def test_json_item_shape_is_stable(capsys):
    _, out, _ = run(["audit", "--json", str(SEEDS / "000_bf7d8071a34f0d43.yaml")], capsys)
    (item,) = json.loads(out)["items"]
    # The shape grows only at the end (category, edition, reviewer and decision date came with the
    # letter model); a consumer reading the first fields keeps working.
    assert list(item) == ["case_id", "request", "service", "cited_guideline", "actual", "predicted", "rules",
                          "citations", "rationale", "category", "guideline_edition", "reviewer_specialty",
                          "decision_date", "no_prediction_reason", "agree"]
    assert (item["category"], item["guideline_edition"]) == ("rehabilitation", "MTUS Acupuncture Treatment")
    assert (item["actual"], item["predicted"], item["agree"]) == ("Upheld", "Upheld", True)


def test_text_report_shows_metrics_beside_the_baseline_and_each_disagreement(capsys):
    status, out, _ = run(["audit", "--today", "2014-03-01"], capsys)
    assert status == 0
    assert "always-Upheld baseline" in out and "Cohen's kappa" in out
    assert "confusion (rows actual, columns predicted)" in out
    assert "BY SERVICE" in out and "BY GUIDELINE CITED" in out and "predicted by an encoded criterion" in out
    assert "Disagreements (engine vs reviewer)" in out
    # 003's psychotherapy item: the reviewer's citation next to the engine's criteria
    assert "reviewer: Overturned, citing MTUS Chronic Pain Treatment Guidelines psychological treatment" in out
    assert "psych.behavioral.initial_trial.too_many" in out


def test_csv_has_one_row_per_item(capsys):
    _, out, _ = run(["audit", "--csv", str(SEEDS)], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 8
    assert set(rows[0]) == {"case_id", "request", "service", "cited_guideline", "actual", "predicted", "agree",
                            "rules", "citations"}


def test_rationale_facts_are_used_only_when_asked_and_the_report_says_so(capsys):
    path = str(SEEDS / "004_455a604ddc9a446c.yaml")
    _, summary_only, _ = run(["audit", "--json", path], capsys)
    _, both, _ = run(["audit", "--json", "--with-rationale", path], capsys)
    a, b = json.loads(summary_only), json.loads(both)
    assert (a["facts_used"], b["facts_used"]) == ("summary", "summary+rationale")
    acupuncture = lambda r: next(i for i in r["items"] if "ACUPUNCTURE" in i["request"])  # noqa: E731
    assert acupuncture(a)["predicted"] == "Overturned" and acupuncture(b)["predicted"] == "Upheld"


def test_a_bad_file_is_reported_and_the_rest_still_audited(tmp_path, capsys):
    for p in SEEDS.glob("00[01]*.yaml"):
        shutil.copy(p, tmp_path)
    (tmp_path / "zz_bad.yaml").write_text("requests: [{text: x, service: acupuncture, quantity: -1}]\n")
    status, out, err = run(["audit", "--json", str(tmp_path)], capsys)
    assert status == 2
    report = json.loads(out)
    assert len(report["items"]) == 2
    assert len(report["errors"]) == 1 and "zz_bad.yaml:1: requests[0].quantity" in report["errors"][0]
    assert err.strip() == report["errors"][0]
