"""The request form in a real browser: Debian's headless Chromium driven by Playwright.

A provider fills in a request that does not pass, reads the advice, applies it and sees the outcome
change. Every state is saved as a screenshot under the run's temporary directory (its path is
printed; set IMR_SCREENSHOTS=DIR to keep them elsewhere, e.g. artifacts/, which git ignores). The
time from a form change to the shown outcome is measured by the page itself (``data-latency-ms``:
from the last input event, debounce included, to the rendered result) and printed as median and
95th percentile.
"""
from __future__ import annotations

import os
import statistics
from pathlib import Path

import pytest
from serve_helpers import ROOT, Server

CHROMIUM = os.environ.get("IMR_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                                     "(pip install -e '.[test]')")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium chromium-driver` "
                "(see README)", allow_module_level=True)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    target = Path(os.environ["IMR_SCREENSHOTS"]) if os.environ.get("IMR_SCREENSHOTS") else \
        tmp_path_factory.mktemp("screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture(scope="module")
def page(server: Server, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, args=ARGS,
                                                       headless=True, viewport={"width": 1280, "height": 1000})
        pg = context.pages[0] if context.pages else context.new_page()
        requests: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.goto(server.url + "/")
        pg.wait_for_selector("body[data-ready=true]")
        pg.requests_seen = requests  # type: ignore[attr-defined]
        yield pg
        context.close()


def field(page, path: str):
    return page.locator(f'[name="{path}"]')


def wait_result(page, after: int) -> dict:
    """Wait until the result has been redrawn since generation ``after``; return what it shows."""
    page.wait_for_function("(n) => Number(document.getElementById('result').dataset.generation) > n", arg=after)
    return page.evaluate("""() => {
        const r = document.getElementById('result');
        const q = (s) => Array.from(r.querySelectorAll(s));
        return {generation: Number(r.dataset.generation), state: r.dataset.state,
                latency: Number(r.dataset.latencyMs),
                outcome: (r.querySelector('[data-outcome]') || {}).textContent || '',
                precheck: (r.querySelector('[data-precheck]') || {dataset: {}}).dataset.precheck || null,
                missing: q('ul.missing li').map((li) => li.textContent),
                advice: q('ol.advice li').map((li) => ({field: li.dataset.field, to: JSON.parse(li.dataset.to),
                                                        words: li.textContent})),
                citations: q('ul.citations li').map((li) => li.textContent),
                error: (r.querySelector('.error') || {}).textContent || null};
    }""")


def generation(page) -> int:
    return int(page.get_attribute("#result", "data-generation"))


def change(page, path: str, value: str, kind: str = "fill") -> dict:
    before = generation(page)
    if kind == "select":
        field(page, path).select_option(value)
    else:
        field(page, path).fill(value)
    return wait_result(page, before)


def test_a_request_that_does_not_pass_passes_once_the_advice_is_applied(page, server: Server, shots: Path) -> None:
    """cases/examples/physical_therapy_radiculitis.yaml, typed in: 12 visits over 6 weeks after 4."""
    print(f"\nscreenshots: {shots}")
    latencies: list[float] = []
    page.screenshot(path=str(shots / "0-empty.png"), full_page=True)
    # Only the RFA's fields until a service is chosen; the service brings its own facts.
    assert not page.locator('[data-path="treatments[$service].sessions"]').first.is_visible()
    r = change(page, "requests.0.service", "physical_therapy", "select")
    assert page.locator('[data-path="treatments[$service].sessions"]').first.is_visible()
    # Fields of other services' rules stay hidden: MRI's exam, a device's rental, an injection's relief.
    for other in ("exam.neurologic", "requests.0.acquisition", "treatments[$service].relief_percent"):
        assert not page.locator(f'[data-path="{other}"]').first.is_visible(), other
    assert page.locator('[data-path="requests.0.employer_authorized"]').first.is_visible()  # LC 4604.5 reads it
    page.screenshot(path=str(shots / "1-service-chosen.png"), full_page=True)

    steps = [("diagnoses.0.text", "lumbar radiculitis"), ("diagnoses.0.icd10", "M54.16"),
             ("requests.0.quantity", "12"), ("requests.0.frequency_per_week", "2"),
             ("requests.0.duration_weeks", "6"), ("requests.0.date", "2014-04-22"),
             ("claimant.date_of_injury", "2013-08-05"), ("treatments[$service].sessions", "4")]
    for path, value in steps:
        r = change(page, path, value)
        latencies.append(r["latency"])
    page.locator('#f-requests-0-body-regions-lumbar_spine').check()
    before = generation(page)
    page.locator('#f-conditions-radiculopathy').check()
    r = wait_result(page, before)
    latencies.append(r["latency"])
    assert field(page, "treatments[$service].recorded").input_value() == "yes"  # a count means it was given

    # Does not pass: Upheld, not certifiable, and the advice says what to change.
    assert r["state"] == "Upheld", r
    assert r["precheck"] == "not_certifiable"
    assert any("8 CCR 9792.24.2" in c for c in r["citations"])
    assert r["advice"], r
    assert page.text_content("#announce") == ("Predicted Upheld. Pre-check: Not certifiable as written. "
                                              f"{len(r['advice'])} change(s) would make it pass.")
    page.screenshot(path=str(shots / "2-upheld-with-advice.png"), full_page=True)

    # Apply the advice the way a provider would: type each suggested value into its field.
    for item in r["advice"]:
        assert item["field"].startswith("request."), item
        path = "requests.0." + item["field"].removeprefix("request.")
        value = item["to"]
        r2 = change(page, path, str(int(value) if float(value).is_integer() else value))
        latencies.append(r2["latency"])
    assert r2["state"] == "Overturned", r2
    assert r2["precheck"] == "certifiable" and not r2["advice"]
    assert page.text_content("#announce") == "Predicted Overturned. Pre-check: Certifiable as documented."
    page.screenshot(path=str(shots / "3-overturned-after-advice.png"), full_page=True)

    # Typing more visits again brings the denial back: the form follows every change.
    for value in ("8", "12", "7", "10", "6"):
        r3 = change(page, "requests.0.quantity", value)
        latencies.append(r3["latency"])
    assert r3["state"] == "Overturned"
    assert not [u for u in page.requests_seen if not u.startswith(server.url)], "the page contacted another server"
    median = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18]
    print(f"form change -> outcome shown: median {median:.0f} ms, p95 {p95:.0f} ms over {len(latencies)} changes "
          "(debounce 200 ms included)")
    (shots / "latency.txt").write_text(f"median_ms {median:.1f}\np95_ms {p95:.1f}\nn {len(latencies)}\n")


def test_missing_documentation_is_listed_and_one_click_applies_the_advice(page, shots: Path) -> None:
    """cases/seeds/001: acupuncture after earlier acupuncture, functional improvement not documented."""
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    change(page, "requests.0.service", "acupuncture", "select")
    change(page, "requests.0.quantity", "6")
    before = generation(page)
    field(page, "treatments[$service].recorded").select_option("yes")
    r = wait_result(page, before)
    assert r["state"] == "Upheld" and r["precheck"] == "needs_documentation", r
    assert any("functional improvement" in m.lower() or "activities of daily living" in m for m in r["missing"]), r
    page.screenshot(path=str(shots / "4-needs-documentation.png"), full_page=True)
    before = generation(page)
    page.get_by_role("button", name="Apply these changes to the form").click()
    r = wait_result(page, before)
    assert r["state"] == "Overturned", r
    assert field(page, "functional_status.adl").input_value() != ""
    page.screenshot(path=str(shots / "5-documented-overturned.png"), full_page=True)


def test_a_dropped_letter_prefills_the_form(page, server: Server, shots: Path) -> None:
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    before = generation(page)
    page.set_input_files("#letter-file", str(ROOT / "cases" / "letters" / "000_bf7d8071a34f0d43.txt"))
    r = wait_result(page, before)
    assert field(page, "requests.0.service").input_value() == "acupuncture"
    assert field(page, "requests.0.quantity").input_value() == "12"
    assert field(page, "diagnoses.0.text").input_value() == "sprain of the right foot and ankle"
    assert r["state"] == "Upheld" and r["advice"][0]["field"] == "request.quantity"
    assert "Filled from the letter" in page.text_content("#letter-status")
    # The form's case keeps what the letter states beyond its fields: the same decision as the letter's.
    _, _, api = server.request("POST", "/api/v1/letter", (ROOT / "cases/letters/000_bf7d8071a34f0d43.txt").read_bytes(),
                               "text/plain")
    (d,) = api["decision"]["decisions"]
    assert r["state"] == d["outcome"] and r["citations"] == d["citations"]
    assert [a["field"] for a in r["advice"]] == [c["field"] for c in d["advice"]["changes"]]
    page.screenshot(path=str(shots / "6-letter-prefilled.png"), full_page=True)


def test_every_control_has_a_label_and_the_result_is_announced(page) -> None:
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    unlabeled = page.evaluate("""() => Array.from(document.querySelectorAll('input, select, textarea'))
        .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')).map((c) => c.id)""")
    assert unlabeled == []
    # A short live summary is announced on every update; the full result is a labelled region.
    assert page.get_attribute("#announce", "aria-live") == "polite"
    assert page.get_attribute("#result", "aria-labelledby") == "result-heading"
    assert page.locator("fieldset > legend").count() >= 3
    # Keyboard: the first Tab stops are the skip link, the letter, then the RFA's fields in order.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "letter-file"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "diagnoses.0.text"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "diagnoses.0.icd10"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "requests.0.service"


def test_bad_input_shows_the_servers_one_line_message(page) -> None:
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    change(page, "requests.0.service", "acupuncture", "select")
    r = change(page, "requests.0.quantity", "0")
    assert r["state"] == "error"
    # The server's message, with the field named by its label in the form, and the field marked.
    assert r["error"] == "Quantity (number of treatments): expected an integer >= 1"  # never the value back
    assert page.get_attribute("#result .error", "data-message") == \
        "request body:1: requests[0].quantity: expected an integer >= 1"
    assert field(page, "requests.0.quantity").get_attribute("aria-invalid") == "true"
    r = change(page, "requests.0.quantity", "4")
    assert r["state"] in ("Upheld", "Overturned")
    assert field(page, "requests.0.quantity").get_attribute("aria-invalid") is None




@pytest.mark.parametrize("letter", sorted(p.name for p in (ROOT / "cases" / "letters").glob("*.txt")))
def test_the_form_filled_from_a_letter_decides_its_first_request_as_the_api_does(page, server: Server,
                                                                                  letter: str) -> None:
    """Filling the form and reading it back loses nothing the rules read."""
    path = ROOT / "cases" / "letters" / letter
    _, _, api = server.request("POST", "/api/v1/letter", path.read_bytes(), "text/plain")
    d = api["decision"]["decisions"][0]
    before = generation(page)  # the same page each time: a letter replaces every field
    page.set_input_files("#letter-file", str(path))
    r = wait_result(page, before)
    assert (r["state"], r["precheck"], r["citations"]) == (
        d["outcome"] or "none", (d["precheck"] or {}).get("status"), d["citations"]), letter
    advice = d["advice"]["changes"] if d["advice"] and d["advice"]["possible"] else []
    assert [a["words"] for a in r["advice"]] == [c["words"] for c in advice], letter
