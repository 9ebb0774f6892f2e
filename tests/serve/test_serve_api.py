"""`imr serve` over HTTP: a real server process on a loopback port, every endpoint and error status,
the body-size and time limits, 200 concurrent requests, and the same decisions as `imr check`."""
from __future__ import annotations

import datetime as dt
import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fpdf import FPDF
from serve_helpers import ROOT, Server, cli, start_server

from engine.cases.facts import Case, case_schema

TODAY = "2026-01-15"
CASE_FILES = sorted((ROOT / "cases" / "examples").glob("*.yaml")) + sorted((ROOT / "cases" / "seeds").glob("*.yaml"))
LETTER = ROOT / "cases" / "letters" / "000_bf7d8071a34f0d43.txt"
SECRET = "Zebrafinch Quillon"  # stands for a patient's words: must never reach the server's log


@pytest.fixture(scope="module")
def cli_decisions() -> dict[str, dict]:
    """`imr check --json` on every example and seed case: case_id -> decision (source dropped)."""
    code, stdout, stderr = cli("check", "--json", "--today", TODAY, *map(str, CASE_FILES))
    assert code == 0, stderr
    out = {}
    for line in stdout.splitlines():
        d = json.loads(line)
        d.pop("source")
        out[d["case_id"]] = d
    assert len(out) == len(CASE_FILES)
    return out


@pytest.fixture(scope="module")
def cli_errors(tmp_path_factory) -> dict[str, str]:
    """`imr check` on every bad case file at once: file name -> its one-line message."""
    folder = tmp_path_factory.mktemp("bad")
    for name, text in BAD_CASES.items():
        (folder / name).write_text(text, encoding="utf-8")
    code, _, stderr = cli("check", *sorted(str(folder / n) for n in BAD_CASES))
    assert code == 2 and "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == len(BAD_CASES)
    return {Path(line.split(":")[0]).name: line.replace(str(folder / Path(line.split(":")[0]).name), "request body")
            for line in lines}


def _api(d: dict) -> dict:
    d = dict(d)
    d.pop("source")
    return d


# -- the endpoints ---------------------------------------------------------------------------------

def test_listens_on_loopback_and_reports_health(server: Server) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    status, headers, body = server.request("GET", "/api/v1/health")
    assert status == 200 and body["status"] == "ok"
    from engine.rules.rulebook import load_rulebook

    assert body["rule_files"] == len(load_rulebook([ROOT / "rules"]).rulesets) and body["rules"] > 0
    assert "default-src 'none'" in headers["content-security-policy"]


def test_check_gives_the_decisions_of_the_command_line(server: Server, cli_decisions: dict) -> None:
    for path in CASE_FILES:
        status, _, body = server.request("POST", f"/api/v1/check?today={TODAY}", path.read_text(),
                                         content_type="application/yaml")
        assert status == 200, body
        assert _api(body) == cli_decisions[body["case_id"]], path.name


def test_check_reads_json_and_gives_the_trace_only_on_request(server: Server) -> None:
    import yaml

    case = yaml.safe_load((ROOT / "cases/examples/physical_therapy_radiculitis.yaml").read_text())
    body = json.dumps(case, default=str)
    _, _, plain = server.request("POST", "/api/v1/check", body)
    (d,) = plain["decisions"]
    assert d["outcome"] == "Upheld" and d["precheck"]["status"] == "not_certifiable"
    assert d["advice"]["possible"] and d["advice"]["verified"] and "trace" not in d
    _, _, traced = server.request("POST", "/api/v1/check?trace=true&advice=false", body)
    (t,) = traced["decisions"]
    assert t["trace"]["rules"] and t["advice"] is None
    assert {r["id"] for r in t["trace"]["rules"] if r["outcome"] == "fired"} >= set(d["rules"])


def test_letter_text_is_read_and_decided_like_the_command_line(server: Server) -> None:
    status, _, body = server.request("POST", f"/api/v1/letter?today={TODAY}", LETTER.read_bytes(), "text/plain")
    assert status == 200, body
    expected = json.loads(cli("parse", "--json", str(LETTER))[1])
    expected.update(letter=None, case_id=None)
    assert body["case"] == expected
    checked = json.loads(cli("check", "--json", "--today", TODAY, str(LETTER))[1])
    assert body["decision"]["decisions"] == checked["decisions"]


def test_letter_pdf_is_read(server: Server, tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in LETTER.read_text().split("\n"):
        if line.strip():
            pdf.multi_cell(0, 5, line.strip().encode("latin-1", "replace").decode("latin-1"),
                           new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    status, _, body = server.request("POST", "/api/v1/letter", data, "application/pdf")
    assert status == 200, body
    assert body["case"]["requests"][0]["service"] == "acupuncture"
    assert body["decision"]["decisions"][0]["outcome"] == "Upheld"


def test_rules_are_the_command_lines_and_grouped_by_service(server: Server) -> None:
    _, _, body = server.request("GET", "/api/v1/rules")
    assert body["rules"] == json.loads(cli("rules", "list", "--json")[1])
    by_service = {s["service"]: s["periods"] for s in body["services"]}
    acupuncture = by_service["acupuncture"]
    assert acupuncture and all(p["in_force_from"] for p in acupuncture)
    # The form shows fields from these: a derived fact is resolved to what it is read from.
    facts = {f for p in acupuncture for f in p["facts"]}
    assert "functional_status.adl" in facts and not any(f.startswith("derived.") for f in facts)
    assert {r["rule"] for r in body["rules"] if "acupuncture" in r["service"]} == {
        r for p in acupuncture for r in p["rules"]}


def test_schema_and_openapi_come_from_the_models(server: Server) -> None:
    _, _, schema = server.request("GET", "/api/v1/schema")
    assert schema == json.loads(json.dumps(case_schema()))
    _, _, spec = server.request("GET", "/api/v1/openapi.json")
    assert all(p.startswith("/api/v1/") for p in spec["paths"])
    endpoints = {"/api/v1/check", "/api/v1/letter", "/api/v1/rules", "/api/v1/schema", "/api/v1/health"}
    assert endpoints <= set(spec["paths"])
    components = spec["components"]["schemas"]
    case = Case.model_json_schema(ref_template="#/components/schemas/{model}")
    assert components["Case"]["properties"] == case["properties"]
    check = spec["paths"]["/api/v1/check"]["post"]
    assert check["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Case"}
    ok = check["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/CaseDecision"}
    from engine.decide.decision import CaseDecision

    decision = CaseDecision.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    assert components["CaseDecision"]["properties"] == decision["properties"]
    for name, sub in decision["$defs"].items():
        assert components[name]["properties" if "properties" in sub else "enum"] == \
            sub["properties" if "properties" in sub else "enum"], name
    assert set(check["responses"]) >= {"200", "413", "422", "503"}


def test_form_page_and_its_files_are_served_with_a_content_security_policy(server: Server) -> None:
    status, headers, page = server.request("GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "connect-src 'self'" in headers["content-security-policy"]
    html = page.decode()
    assert 'src="/static/app.js"' in html and "<script>" not in html  # no inline script
    for name in ("app.js", "style.css"):
        status, _, text = server.request("GET", f"/static/{name}")
        assert status == 200
        # Nothing is fetched from elsewhere: no absolute URL at all in the page's files.
        assert "http://" not in text.decode() and "https://" not in text.decode()
    assert "http://" not in html and "https://" not in html


def test_form_description_names_fields_that_exist(server: Server) -> None:
    _, _, form = server.request("GET", "/api/v1/form")
    ids = {f["id"] for f in form["fields"]}
    assert set(form["rfa"]) <= ids
    by_service = {s["service"]: s for s in form["services"]}
    for service in by_service.values():
        assert set(service["fields"]) <= ids
    assert "functional_status.adl" in by_service["acupuncture"]["fields"]
    assert "exam.neurologic" in by_service["mri_lumbar"]["fields"]
    assert "exam.neurologic" not in by_service["acupuncture"]["fields"]
    assert not by_service["other"]["encoded"]
    adl = next(f for f in form["fields"] if f["id"] == "functional_status.adl")
    assert adl["kind"] == "enum" and adl["options"] == ["improved", "unchanged", "worse"]


# -- errors ----------------------------------------------------------------------------------------

BAD_CASES = {
    "quantity.json": '{"requests": [{"text": "x", "service": "acupuncture", "quantity": "12"}]}',
    "service.json": '{"requests": [{"text": "x", "service": "acupunture"}]}',
    "unknown_key.json": '{"requests": [{"text": "x", "service": "acupuncture"}], "secret_name": 1}',
    "broken.json": '{"requests": [',
    "no_requests.yaml": "claimant: {age: 40}\nrequests: []\n",
    "list.yaml": "- 1\n- 2\n",
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_case_is_422_with_the_command_lines_message(server: Server, cli_errors: dict, name: str) -> None:
    text = BAD_CASES[name]
    status, _, body = server.request("POST", "/api/v1/check", text,
                                     "application/json" if name.endswith(".json") else "application/yaml")
    assert status == 422
    assert body == {"error": cli_errors[name]}
    assert "\n" not in body["error"] and "Traceback" not in body["error"]


def test_other_bad_input_is_422_in_one_line(server: Server) -> None:
    cases = [("POST", "/api/v1/check", b"", "request body: empty body"),
             ("POST", "/api/v1/check", b"\xff\xfe{", "request body: not UTF-8 text"),
             ("POST", "/api/v1/check?today=2026-13-01", b"{}", "request: query parameter today: expected a date"),
             ("POST", "/api/v1/check?trace=perhaps", b"{}", "request: query parameter trace: expected true or false"),
             ("POST", "/api/v1/letter", b"Dear Sir, nothing here.", "uploaded letter: no 'IMR ISSUES"),
             ("POST", "/api/v1/letter", b"", "uploaded letter: empty file"),
             ("POST", "/api/v1/letter", b"%PDF-1.4 broken", "uploaded letter: ")]
    for method, path, data, start in cases:
        status, _, body = server.request(method, path, data)
        assert status == 422, (path, body)
        assert body["error"].startswith(start), body
        assert "\n" not in body["error"] and "Traceback" not in body["error"]


def test_unknown_path_is_404_and_wrong_method_405(server: Server) -> None:
    status, _, body = server.request("GET", "/api/v1/nothing")
    assert status == 404 and body["error"].startswith("/api/v1/nothing: no such endpoint")
    status, _, body = server.request("GET", "/api/v2/check")
    assert status == 404
    status, headers, body = server.request("GET", "/api/v1/check")
    assert status == 405 and body["error"] == "/api/v1/check: method GET not allowed"
    assert "POST" in headers.get("allow", "")
    status, _, _ = server.request("DELETE", "/api/v1/health")
    assert status == 405


def test_body_over_the_limit_is_413_declared_or_chunked() -> None:
    tight = start_server("--max-body", "2000", "--timeout", "0.001")
    try:
        case = (ROOT / "cases/examples/physical_therapy_radiculitis.yaml").read_text()
        assert len(case) < 2000
        padded = case + "#" * 2000
        status, _, body = tight.request("POST", "/api/v1/check", padded, "application/yaml")
        assert status == 413 and "limit of 2000 bytes" in body["error"]
        # Chunked: no Content-Length to refuse up front; the limit is counted as the body arrives.
        host, port = tight.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("POST", "/api/v1/check", body=iter([padded[:1500].encode(), padded[1500:].encode()]),
                     headers={"content-type": "application/yaml"}, encode_chunked=True)
        r = conn.getresponse()
        assert r.status == 413 and "limit of 2000 bytes" in json.loads(r.read())["error"]
        conn.close()
        # The time limit: a case whose advice search takes far longer than 1 ms.
        status, _, body = tight.request("POST", "/api/v1/check", case, "application/yaml")
        assert status == 503 and body["error"] == "request: took longer than the limit of 0.001 s (see --timeout)"
        # What needs no computation is still answered.
        assert tight.request("GET", "/api/v1/health")[0] == 200
    finally:
        tight.stop()


# -- load, and what the log keeps ------------------------------------------------------------------

def test_200_concurrent_requests_none_lost_same_decisions(server: Server, cli_decisions: dict) -> None:
    # The bundled examples (Upheld ones with their advice search, Overturned ones), so the test stays quick.
    bodies = [p.read_text() for p in CASE_FILES if "examples" in p.parts]
    jobs = [bodies[i % len(bodies)] for i in range(200)]

    def one(text: str) -> tuple[int, dict]:
        status, _, body = server.request("POST", f"/api/v1/check?today={TODAY}", text, "application/yaml", timeout=60)
        return status, body

    with ThreadPoolExecutor(max_workers=200) as pool:
        answers = list(pool.map(one, jobs))
    assert len(answers) == 200
    assert all(status == 200 for status, _ in answers), {s for s, _ in answers}
    for status, body in answers:
        assert _api(body) == cli_decisions[body["case_id"]]


def test_the_log_keeps_no_patient_words_and_no_query(server: Server) -> None:
    case = {"requests": [{"text": f"acupuncture for {SECRET}", "service": "acupuncture", "quantity": 12}],
            "diagnoses": [{"text": SECRET}]}
    assert server.request("POST", f"/api/v1/check?today={TODAY}", json.dumps(case))[0] == 200
    bad = json.dumps({"requests": [{"text": SECRET, "service": "acupuncture", "quantity": SECRET}]})
    assert server.request("POST", "/api/v1/check", bad)[0] == 422
    assert server.request("POST", "/api/v1/letter", f"Letter about {SECRET}".encode(), "text/plain")[0] == 422
    log = "".join(server.log)
    assert "POST /api/v1/check 200" in log and "POST /api/v1/check 422" in log
    assert SECRET not in log and "Zebrafinch" not in log
    assert TODAY not in log and "today=" not in log
    assert "Traceback" not in log


def test_serve_rejects_a_bad_limit_in_one_line(capsys) -> None:
    from engine.cli import main

    for option, value, words in (("--timeout", "0", "number"), ("--timeout", "nan", "number"),
                                 ("--max-body", "x", "integer")):
        with pytest.raises(SystemExit) as exit_:
            main(["serve", option, value])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert f"expected a positive {words} (got '{value}')" in err and "Traceback" not in err


def test_date_defaults_to_today_like_the_command_line(server: Server) -> None:
    case = {"requests": [{"text": "acupuncture x 6", "service": "acupuncture", "quantity": 6}]}
    _, _, body = server.request("POST", "/api/v1/check", json.dumps(case))
    (d,) = body["decisions"]
    assert d["date_used"] == dt.date.today().isoformat() and d["date_stated"] is False


def test_serve_on_a_busy_port_or_with_a_bad_rulebook_says_so_in_one_line(server: Server, tmp_path: Path,
                                                                          capsys) -> None:
    from engine.cli import main

    port = server.url.rsplit(":", 1)[1]
    assert main(["serve", "--port", port]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"imr serve: cannot listen on 127.0.0.1:{port}: ") and "\n" not in err
    (tmp_path / "bad.yaml").write_text("guideline: x\nrules: [\n")
    assert main(["--rules", str(tmp_path), "serve", "--port", "0"]) == 2  # the rulebook is loaded before binding
    err = capsys.readouterr().err.strip()
    assert "bad.yaml" in err and "invalid YAML" in err and "\n" not in err


def test_a_foreign_host_name_is_refused(server: Server) -> None:
    """DNS rebinding: a page whose host name resolves to 127.0.0.1 still sends its own Host."""
    host, port = server.url.removeprefix("http://").split(":")
    for name, status in ((f"evil.example:{port}", 400), ("evil.example", 400), (f"localhost:{port}", 200),
                         (f"127.0.0.1:{port}", 200)):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.putrequest("GET", "/api/v1/health", skip_host=True)
        conn.putheader("Host", name)
        conn.endheaders()
        r = conn.getresponse()
        body = json.loads(r.read())
        conn.close()
        assert r.status == status, (name, body)
        if status == 400:
            assert body["error"].startswith("request: the Host header does not name this machine")
