"""Idempotency-Key on every create and state change: a repeat gets the first reply and writes nothing."""

from __future__ import annotations

import threading
import uuid

import requests
from sqlalchemy import func, select

from umt.gateway import tables as t
from umt.gateway.db import reading


def _post(gateway, owner, path: str, body: dict, key: str | None, method: str = "POST") -> requests.Response:
    headers = {"Authorization": f"Bearer {owner.token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return requests.request(method, gateway.url + path, json=body, headers=headers, timeout=10)


def _count(gateway, table) -> int:
    with reading(gateway.engine) as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_same_key_again_gets_the_first_reply_and_writes_nothing(gateway, owner):
    key = str(uuid.uuid4())
    first = _post(gateway, owner, "/api/v1/brands", {"name": "Acme"}, key)
    again = _post(gateway, owner, "/api/v1/brands", {"name": "Acme"}, key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _count(gateway, t.brands) == 1
    # Without a key (or with another) the same body is a new write, as before.
    assert _post(gateway, owner, "/api/v1/brands", {"name": "Acme"}, None).status_code == 201
    assert _post(gateway, owner, "/api/v1/brands", {"name": "Acme"}, str(uuid.uuid4())).status_code == 201
    assert _count(gateway, t.brands) == 3


def test_the_same_key_with_another_body_is_a_422_naming_the_header(gateway, owner):
    key = str(uuid.uuid4())
    assert _post(gateway, owner, "/api/v1/brands", {"name": "Acme"}, key).status_code == 201
    reused = _post(gateway, owner, "/api/v1/brands", {"name": "Other"}, key)
    assert reused.status_code == 422
    assert reused.json()["error"] == {"code": "idempotency_key_reused", "field": "Idempotency-Key",
                                      "message": reused.json()["error"]["message"]}
    other_path = _post(gateway, owner, "/api/v1/campaigns", {"name": "Acme"}, key)
    assert other_path.status_code == 422 and other_path.json()["error"]["code"] == "idempotency_key_reused"
    assert _count(gateway, t.brands) == 1 and _count(gateway, t.campaigns) == 0


def test_a_malformed_key_is_refused(gateway, owner):
    for bad in ("", "x" * 256, "has space"):
        reply = _post(gateway, owner, "/api/v1/brands", {"name": "Acme"}, bad)
        assert reply.status_code == 422 and reply.json()["error"]["field"] == "Idempotency-Key", bad
    assert _count(gateway, t.brands) == 0


def test_state_changes_and_deletes_are_done_once(gateway, owner):
    item = owner.content.create(title="Hello", channel="linkedin", body="Hi")
    key = str(uuid.uuid4())
    moves = [_post(gateway, owner, f"/api/v1/content/{item.id}/transition", {"status": "in_review"}, key)
             for _ in range(2)]
    assert [m.status_code for m in moves] == [200, 200] and moves[0].content == moves[1].content
    # Without the key the repeat is a move from review to review: refused.
    assert _post(gateway, owner, f"/api/v1/content/{item.id}/transition", {"status": "in_review"},
                 None).status_code == 409
    patch_key = str(uuid.uuid4())
    for _ in range(2):
        assert _post(gateway, owner, f"/api/v1/content/{item.id}", {"body": "Hi again"}, patch_key,
                     method="PATCH").status_code == 200
    assert len(owner.content.versions(item.id)) == 2  # one new version, not two
    delete_key = str(uuid.uuid4())
    deletes = [_post(gateway, owner, f"/api/v1/content/{item.id}", None, delete_key, method="DELETE")
               for _ in range(2)]
    assert [d.status_code for d in deletes] == [204, 204]
    assert _post(gateway, owner, f"/api/v1/content/{item.id}", None, None, method="DELETE").status_code == 404


def test_an_error_is_not_remembered_and_changes_nothing(gateway, owner):
    key = str(uuid.uuid4())
    refused = _post(gateway, owner, "/api/v1/content", {"title": "No channel"}, key)
    assert refused.status_code == 422
    assert _count(gateway, t.idempotency_keys) == 0
    fixed = _post(gateway, owner, "/api/v1/content", {"title": "No channel", "channel": "x"}, key)
    assert fixed.status_code == 201 and _count(gateway, t.content_items) == 1


def test_concurrent_requests_with_one_key_write_once_and_all_get_the_first_reply(gateway, owner):
    """The second waits for the first (the database's write lock) and is answered with its reply."""
    key = str(uuid.uuid4())
    barrier = threading.Barrier(8)
    replies: list[requests.Response] = []

    def send() -> None:
        barrier.wait()
        replies.append(_post(gateway, owner, "/api/v1/content", {"title": "Once", "channel": "x"}, key))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in replies] == [201] * 8
    assert len({r.content for r in replies}) == 1
    assert _count(gateway, t.content_items) == 1


def test_a_submitted_job_with_a_key_runs_once(gateway, owner, fake_agent):
    key = str(uuid.uuid4())
    body = {"kind": "utm", "input": {"url": "https://example.com", "source": "news", "medium": "email",
                                     "campaign": "spring"}}
    first = _post(gateway, owner, "/api/v1/jobs", body, key)
    again = _post(gateway, owner, "/api/v1/jobs", body, key)
    assert first.status_code == again.status_code == 202 and first.json()["id"] == again.json()["id"]
    # The runner was woken after the commit, so it found the job.
    assert owner.wait_job(first.json()["id"], timeout=20).status == "done"
    assert _count(gateway, t.jobs) == 1


def test_keys_are_forgotten_after_the_retention_time(gateway, owner):
    key = str(uuid.uuid4())
    assert _post(gateway, owner, "/api/v1/brands", {"name": "Acme"}, key).status_code == 201
    gateway.restart(idempotency_retention_hours=0.0)
    fresh = _post(gateway, owner, "/api/v1/brands", {"name": "Acme"}, key)
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert _count(gateway, t.brands) == 2


def test_the_openapi_document_names_the_header_on_writes_only(anonymous):
    paths = anonymous.openapi()["paths"]

    def has_key(operation) -> bool:
        return any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))

    assert has_key(paths["/api/v1/content"]["post"]) and has_key(paths["/api/v1/content/{id}"]["delete"])
    assert has_key(paths["/api/v1/jobs/{id}/cancel"]["post"])
    assert not has_key(paths["/api/v1/content"]["get"]) and not has_key(paths["/api/v1/auth/login"]["post"])


def test_sixty_concurrent_keyed_writes_all_succeed(gateway, owner):
    """More keyed writes at once than the gateway has worker threads (anyio's 40): requests waiting
    for SQLite's write lock must not take every thread, or the one holding the lock cannot commit
    and all fail after the 10 s busy timeout with 'database is locked' (seen with a transaction
    begun lazily in the handler and no turn-taking). PostgreSQL must take the same load."""
    barrier = threading.Barrier(60)
    statuses: list[int] = []

    def write(number: int) -> None:
        session = requests.Session()
        barrier.wait()
        for turn in range(4):
            statuses.append(session.post(gateway.url + "/api/v1/content", timeout=60,
                                         json={"title": f"{number}-{turn}", "channel": "x"},
                                         headers={"Authorization": f"Bearer {owner.token}",
                                                  "Idempotency-Key": str(uuid.uuid4())}).status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [201] * 240
    assert _count(gateway, t.content_items) == 240
