"""The case file contract: the design example, null vs 0, and one-line errors naming file and field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from engine.errors import InputError
from engine.cases.facts import Case, case_schema, load_case, parse_case

DESIGN = Path(__file__).parent / "data" / "design_example.yaml"


def _data() -> dict:
    return yaml.safe_load(DESIGN.read_text())


def test_design_example_loads_from_yaml_unchanged():
    case = load_case(str(DESIGN))
    assert case.case_id == "example-acupuncture-1"
    assert case.requests[0].quantity == 12
    assert case.treatments[0].sessions is None  # "unknown", not 0
    assert case.requests[0].determination.outcome.value == "Upheld"


def test_design_example_loads_from_equivalent_json(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(_data(), default=str))
    assert load_case(str(path)) == load_case(str(DESIGN))


def test_null_stays_distinct_from_zero_and_empty():
    data = _data()
    data["treatments"] = [{"modality": "acupuncture", "sessions": 0}, {"modality": "massage_therapy"}]
    data["exam"] = {"neurologic": "intact"}
    case = Case.model_validate(data)
    assert case.treatments[0].sessions == 0
    assert case.treatments[1].sessions is None
    assert case.exam.red_flags is None  # not stated
    data["exam"]["red_flags"] = []
    assert Case.model_validate(data).exam.red_flags == []


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["requests"][0].update(quantity=0), "requests[0].quantity: expected an integer >= 1"),
        (lambda d: d["requests"][0].update(quantity="12"), "requests[0].quantity: expected an integer"),
        (lambda d: d["requests"][0].update(quantity=True), "requests[0].quantity: expected an integer"),
        (lambda d: d["requests"][0].update(service="reiki"), "requests[0].service: expected one of"),
        (lambda d: d["claimant"].update(age=-1), "claimant.age: expected an integer >= 0"),
        (lambda d: d["claimant"].update(nickname="x"), "claimant: unknown key (not part of the format"),
        (lambda d: d.update(extra_section=1), "unknown key (not part of the format"),
        (lambda d: d["treatments"][1].update(sessions=-3), "treatments[1].sessions: expected an integer >= 0"),
        (lambda d: d["claimant"].update(date_of_injury="yesterday"), "claimant.date_of_injury: expected a date"),
        (lambda d: d["functional_status"].update(adl="better"), "functional_status.adl: expected one of"),
        (lambda d: d.update(requests=[]), "requests: expected at least 1 item"),
        (lambda d: d.pop("requests"), "requests: required field is missing"),
        (lambda d: d["requests"][0].update(frequency_per_week="twice"), "requests[0].frequency_per_week: expected a number"),
        (lambda d: d.update(evidence={"claimant.shoe_size": "x"}), "evidence.<key>: names no field of this case"),
    ],
)
def test_bad_values_name_file_line_and_field(mutate, expected, tmp_path):
    data = _data()
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(InputError) as err:
        load_case(str(path))
    message = str(err.value)
    assert message.startswith(f"{path}:"), message
    assert expected in message
    assert "\n" not in message


def test_error_line_points_at_the_field(tmp_path):
    text = DESIGN.read_text().replace("quantity: 12", "quantity: 0")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "quantity: 0" in l)
    with pytest.raises(InputError) as err:
        parse_case(text, "case.yaml")
    assert str(err.value).startswith(f"case.yaml:{line}: requests[0].quantity")


def test_unsafe_yaml_tag_is_refused_not_executed(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("case_id: !!python/object/apply:os.system ['echo pwned > %s']\nrequests: []\n" % (tmp_path / "p"))
    with pytest.raises(InputError) as err:
        load_case(str(path))
    assert "unsupported YAML tag: only plain YAML data is accepted" in str(err.value)
    assert "os.system" not in str(err.value)  # the file's text is never repeated
    assert not (tmp_path / "p").exists()


def test_duplicate_keys_are_errors_not_silently_dropped():
    with pytest.raises(InputError, match=r"case.yaml:3: duplicate key 'case_id' \(first on line 1\)"):
        parse_case("case_id: a\nrequests: [{text: x, service: acupuncture}]\ncase_id: b\n", "case.yaml")


@pytest.mark.parametrize("text, expected", [
    ("requests: [", "invalid YAML"),
    ('{"requests": [}', "invalid JSON"),
    ("- just\n- a list\n", "expected a mapping"),
    ("", "expected a mapping"),
])
def test_malformed_documents(text, expected):
    with pytest.raises(InputError, match=expected):
        parse_case(text, "x.yaml")


def test_missing_and_directory_inputs(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_case(str(tmp_path / "nope.yaml"))
    with pytest.raises(InputError, match="is a directory"):
        load_case(str(tmp_path))


def test_schema_describes_the_case_file():
    schema = case_schema()
    assert schema["title"] == "IMR case file"
    assert "requests" in schema["required"]
    request = schema["$defs"]["Request"]["properties"]
    assert {"quantity", "service", "date", "determination"} <= set(request)
    assert schema["additionalProperties"] is False


def test_rationale_facts_are_laid_over_only_when_asked():
    data = _data()
    data["treatments"] = [{"modality": "physical_therapy", "sessions": 12}]
    data["rationale_facts"] = {"treatments": [{"modality": "acupuncture", "sessions": None}],
                               "functional_status": {"medication_use": "unchanged"}}
    data["functional_status"] = {"adl": "worse"}
    case = Case.model_validate(data)
    assert [t.modality.value for t in case.treatments] == ["physical_therapy"]
    merged = case.with_rationale()
    assert sorted(t.modality.value for t in merged.treatments) == ["acupuncture", "physical_therapy"]
    assert merged.functional_status.adl.value == "worse"  # summary fact kept
    assert merged.functional_status.medication_use.value == "unchanged"
    assert merged.rationale_facts is None
