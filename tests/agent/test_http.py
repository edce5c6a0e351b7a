"""The agent's HTTP contract over real HTTP: results, NDJSON progress, and every 4xx shape."""

from __future__ import annotations

import json
import resource
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportions_ztest

from tests.agent.conftest import BRAND, post_task
from umt.agent.tasks import TASKS

NDJSON = {"Accept": "application/x-ndjson"}

VALID = {
    "draft": {"brand": BRAND, "campaign": None, "channel": "linkedin", "brief": "Autumn blend is back", "variants": 4,
              "provider": "template"},
    "score": {"text": "Our autumn blend is back. Try it today! #coffee", "channel": "x", "keyphrase": "autumn blend",
              "brand": {"banned_words": ["cheap"], "hashtags": ["coffee"]}},
    "experiment": {"variants": [{"name": "A", "exposures": 1000, "conversions": 50},
                                {"name": "B", "exposures": 1000, "conversions": 80}], "seed": 4},
    "sample_size": {"baseline_rate": 0.05, "minimum_detectable_effect": 0.2, "relative": True, "daily_exposures": 1000},
    "best_time": {"timezone": "Europe/Berlin", "metrics": [
        {"at": f"2026-01-{day:02d}T{hour:02d}:00:00Z", "impressions": 1000, "engagements": 30 + (hour == 8) * 30}
        for day in range(5, 19) for hour in (8, 12, 16)]},
    "utm": {"url": "https://beanthere.example/menu", "source": "linkedin", "medium": "social", "campaign": "autumn"},
    "plan_calendar": {"start": "2026-09-01", "end": "2026-09-30", "posts": 12, "channels": ["x", "linkedin"],
                      "timezone": "Europe/Berlin", "best_times": [{"weekday": 1, "hour": 9}]},
}


def test_health_and_task_list(agent_url):
    assert requests.get(f"{agent_url}/health", timeout=5).json()["status"] == "ok"
    listed = requests.get(f"{agent_url}/v1/tasks", timeout=5).json()
    kinds = {task["kind"]: task for task in listed["tasks"]}
    assert set(kinds) == set(VALID)
    assert "variants" in kinds["experiment"]["fields"] and kinds["experiment"]["reports_progress"]
    assert listed["llm"] == {"configured": False, "model": None}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_task_answers_with_a_result(agent_url, kind):
    response = post_task(agent_url, kind, VALID[kind])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    result = response.json()["result"]
    expected = {"draft": "variants", "score": "score", "experiment": "verdict", "sample_size": "per_variant",
                "best_time": "best_times", "utm": "url", "plan_calendar": "items"}[kind]
    assert result[expected], result


def test_results_carry_the_numbers(agent_url):
    experiment = post_task(agent_url, "experiment", VALID["experiment"]).json()["result"]
    assert experiment["verdict"]["status"] == "winner" and experiment["verdict"]["winner"] == "B"
    assert experiment["comparisons"][0]["p_value"] == pytest.approx(proportions_ztest([80, 50], [1000, 1000])[1],
                                                                    abs=1e-9)
    assert experiment["bayesian"]["leader"] == "B" and experiment["bayesian"]["seed"] == 4
    sizes = post_task(agent_url, "sample_size", VALID["sample_size"]).json()["result"]
    assert sizes["target_rate"] == pytest.approx(0.06) and sizes["days"] == -(-sizes["total"] // 1000)
    best = post_task(agent_url, "best_time", VALID["best_time"]).json()["result"]
    assert best["best_times"][0] == {"weekday": best["slots"][0]["weekday"], "hour": 9}


def test_experiment_with_too_few_visitors_says_not_enough_data(agent_url):
    body = {"variants": [{"name": "A", "exposures": 40, "conversions": 2}, {"name": "B", "exposures": 38, "conversions": 9}]}
    verdict = post_task(agent_url, "experiment", body).json()["result"]["verdict"]
    assert verdict["status"] == "not_enough_data" and "at least 100" in verdict["message"]


def _lines(response):
    return [json.loads(line) for line in response.iter_lines() if line]


@pytest.mark.parametrize("kind", ["experiment", "draft", "plan_calendar"])
def test_long_tasks_stream_progress_then_the_result(agent_url, kind):
    with post_task(agent_url, kind, VALID[kind], headers=NDJSON, stream=True) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = _lines(response)
    *progress, final = lines
    fractions = [line["progress"] for line in progress]
    assert len(progress) >= 4 and all(set(line) == {"progress", "step"} for line in progress)
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and 0.9 <= fractions[-1] <= 1.0
    assert set(final) == {"result"}
    plain = post_task(agent_url, kind, VALID[kind]).json()
    if kind != "draft":
        assert final == plain


def test_a_task_failure_is_the_last_line_of_the_stream(agent_url):
    body = {**VALID["draft"], "provider": "llm"}
    with post_task(agent_url, "draft", {**body, "provider": "template"}, headers=NDJSON, stream=True) as response:
        assert "result" in _lines(response)[-1]
    # Run-time refusal (no LLM configured) after a valid parse: still an error reply with the right status.
    response = post_task(agent_url, "draft", body, headers=NDJSON)
    assert response.status_code == 200
    last = [json.loads(line) for line in response.text.splitlines() if line][-1]
    assert last["error"]["code"] == "llm_not_configured" and last["error"]["field"] == "provider"


def test_validation_errors_are_not_streamed(agent_url):
    response = post_task(agent_url, "experiment", {"variants": []}, headers=NDJSON)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "variants"


@pytest.mark.parametrize("body, status, code, field", [
    (b"{not json", 400, "malformed_json", None),
    (b"", 400, "malformed_json", None),
    (b'{"variants": NaN}', 400, "malformed_json", None),
    (b"\xff\xfe", 400, "malformed_json", None),
    (b"[1, 2]", 422, "invalid", None),
    (b'{"variants": "AB"}', 422, "invalid", "variants"),
    (b'{"variants": [{"name": "A", "exposures": 10, "conversions": 1}, {"name": "B", "exposures": 10, '
     b'"conversions": 11}]}', 422, "invalid", "variants[1].conversions"),
    (b'{"variants": [{"name": "A", "exposures": 10, "conversions": 1}, {"name": "A", "exposures": 10, '
     b'"conversions": 1}]}', 422, "invalid", "variants[1].name"),
    (b'{"variants": [{"name": "A", "exposures": true, "conversions": 1}, {"name": "B", "exposures": 10, '
     b'"conversions": 1}]}', 422, "invalid", "variants[0].exposures"),
    (b'{"variants": [{"name": "A", "exposures": 10, "conversions": 1}, {"name": "B", "exposures": 10, '
     b'"conversions": 1}], "alpha": 0.7}', 422, "invalid", "alpha"),
    (b'{"variants": [{"name": "A", "exposures": 10, "conversions": 1}, {"name": "B", "exposures": 10, '
     b'"conversions": 1}], "colour": "red"}', 422, "invalid", "colour"),
])
def test_bad_experiment_input_gets_a_clear_4xx(agent_url, body, status, code, field):
    response = post_task(agent_url, "experiment", body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]


@pytest.mark.parametrize("kind, body, field", [
    ("draft", {**VALID["draft"], "brand": {**BRAND, "banned_words": ["ok", 3]}}, "brand.banned_words[1]"),
    ("draft", {**VALID["draft"], "channel": "myspace"}, "channel"),
    ("draft", {**VALID["draft"], "variants": 11}, "variants"),
    ("score", {**VALID["score"], "brand": {"hashtags": "coffee"}}, "brand.hashtags"),
    ("sample_size", {**VALID["sample_size"], "minimum_detectable_effect": 30}, "minimum_detectable_effect"),
    ("sample_size", {**VALID["sample_size"], "baseline_rate": 1.5}, "baseline_rate"),
    ("utm", {**VALID["utm"], "url": "javascript:alert(1)"}, "url"),
    ("best_time", {**VALID["best_time"], "timezone": "Nowhere/City"}, "timezone"),
])
def test_bad_values_name_the_field(agent_url, kind, body, field):
    response = post_task(agent_url, kind, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


# Required unless the gateway fills them in from an id (brand_id, content_id, experiment_id, ...).
FILLED_IN_BY_THE_GATEWAY = {"draft": ["brand", "channel"], "score": ["text", "channel"], "experiment": ["variants"],
                            "best_time": ["metrics"]}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_every_required_field_is_required(agent_url, kind):
    listed = {task["kind"]: task for task in requests.get(f"{agent_url}/v1/tasks", timeout=5).json()["tasks"]}
    required = listed[kind]["required"] + FILLED_IN_BY_THE_GATEWAY.get(kind, [])
    assert required, kind
    for name in required:
        body = {key: value for key, value in VALID[kind].items() if key != name}
        response = post_task(agent_url, kind, body)
        assert response.status_code == 422, (kind, name, response.text)
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("invalid", name) and error["message"].startswith("is required")


def test_unknown_task_wrong_method_and_unknown_path(agent_url):
    unknown = post_task(agent_url, "horoscope", {})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_task"
    assert "score" in unknown.json()["error"]["message"]
    wrong = requests.get(f"{agent_url}/v1/tasks/score", timeout=5)
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    missing = requests.get(f"{agent_url}/nothing", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_oversized_body_is_413(start_agent):
    url = start_agent(max_body_bytes=1000)
    declared = post_task(url, "score", {"text": "x" * 2000, "channel": "x"})
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "body_too_large"
    # A chunked body without Content-Length is counted as it arrives.
    chunked = requests.post(f"{url}/v1/tasks/score", data=iter([b'{"text": "', b"x" * 1500, b'", "channel": "x"}']),
                            timeout=10)
    assert chunked.status_code == 413


def _process_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def test_a_client_that_leaves_mid_stream_stops_the_task(agent_url):
    # Twenty variants and the maximum draws: ~10 s of CPU if the simulation ran to the end.
    variants = [{"name": f"V{i}", "exposures": 1000, "conversions": 40 + i} for i in range(20)]
    body = json.dumps({"variants": variants, "draws": 200000}).encode()
    parts = urlsplit(agent_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as raw:
        raw.sendall(b"POST /v1/tasks/experiment HTTP/1.1\r\nHost: agent\r\nAccept: application/x-ndjson\r\n"
                    b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        received = b""
        while b"bayesian simulation" not in received:
            received += raw.recv(4096)
    # The agent runs in this process: once the task has stopped, the process's CPU time stands still
    # (three quiet windows in a row, so a busy machine briefly starving the task cannot pass for it).
    deadline = time.monotonic() + 5
    quiet = 0
    while quiet < 3:
        before = _process_cpu_seconds()
        time.sleep(0.2)
        quiet = quiet + 1 if _process_cpu_seconds() - before < 0.05 else 0
        assert time.monotonic() < deadline, "the abandoned task kept running"
    assert post_task(agent_url, "utm", VALID["utm"]).status_code == 200


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**15) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def mutations(valid):
    """Bodies shaped like a valid one, with any part dropped or swapped for random JSON, at any depth."""
    if isinstance(valid, dict):
        return st.fixed_dictionaries({}, optional={key: mutations(value) for key, value in valid.items()})
    if isinstance(valid, list):
        item = mutations(valid[0]) if valid else json_values
        return st.lists(item, max_size=min(len(valid) + 2, 6)) | json_values
    return st.just(valid) | json_values


@pytest.mark.parametrize("kind", sorted(VALID))
def test_fuzzed_inputs_never_cause_a_server_error(agent_url, kind):
    keys = list(TASKS[kind].fields)
    session = requests.Session()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(mutations(VALID[kind]) | st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys)))
    def check(body):
        response = session.post(f"{agent_url}/v1/tasks/{kind}", json=body, timeout=30)
        assert response.status_code < 500, (body, response.text)
        payload = response.json()
        assert ("result" in payload) == (response.status_code == 200), payload
        if response.status_code >= 400:
            assert set(payload["error"]) == {"code", "message", "field"}

    check()


def test_the_agent_has_code_for_every_kind_in_the_contract_and_each_result_fits_it(agent_url):
    import msgspec

    from umt.contract.tasks import TASK_KINDS

    assert TASKS.keys() == TASK_KINDS.keys()
    for kind, body in VALID.items():
        result = post_task(agent_url, kind, body).json()["result"]
        msgspec.convert(result, TASK_KINDS[kind].result)  # raises on a missing, unknown or mistyped field
