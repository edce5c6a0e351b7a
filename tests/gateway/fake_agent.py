"""A small real HTTP server that speaks the agent's task contract, for the gateway's job tests:
POST /v1/tasks/{kind} → 200 {"result"} or 4xx {"error"}; with Accept: application/x-ndjson it
streams {"progress", "step"} lines and then the final line. Tests script its behaviour."""

from __future__ import annotations

import json
import threading

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


# The metrics of the agent's score result (umt.contract.ScoreMetrics), as for an empty post.
SCORE_METRICS = {"characters": 0, "channel_length": 0, "max_chars": 3000, "ideal_chars": [150, 1300], "words": 0,
                 "sentences": 0, "syllables": 0, "flesch_reading_ease": None, "flesch_kincaid_grade": None,
                 "keyphrase_count": None, "keyphrase_density_percent": None, "hashtags": [], "links": [],
                 "banned_words_found": []}


class FakeAgent:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, str]] = []  # (kind, payload, accept header)
        self.release = threading.Event()  # tasks wait for it before their final line
        self.release.set()
        self.refuse: dict[str, tuple[int, dict]] = {}  # kind → (status, error)
        self.started = threading.Event()  # set when a task has sent its first progress line
        self.left = threading.Event()  # set when a client went away before a streamed task finished
        self.peers: list[tuple[str, int]] = []  # each request's client address: shows connection reuse

    def app(self) -> Starlette:
        async def health(_: Request) -> JSONResponse:
            return JSONResponse({"status": "ok"})

        async def task(request: Request):
            kind = request.path_params["kind"]
            payload = await request.json()
            accept = request.headers.get("accept", "")
            self.requests.append((kind, payload, accept))
            self.peers.append(tuple(request.client))
            if kind in self.refuse:
                status, error = self.refuse[kind]
                return JSONResponse({"error": error}, status_code=status)
            result = {"kind": kind, "echo_keys": sorted(payload)}
            if kind == "score":  # shaped as the agent's score result, which the gateway documents
                result = {"score": 80, "rating": "good", "channel": str(payload.get("channel")), "publishable": True,
                          "reasons": [], "checks": [], "metrics": SCORE_METRICS}
            if payload.get("seed") == 7:  # reply NaN, as Python's json.dumps writes float("nan")
                return Response('{"result": {"p_value": NaN}}', media_type="application/json")
            if "ndjson" not in accept:
                return JSONResponse({"result": result})

            async def lines():
                finished = False
                try:
                    for progress, step in ((0.25, "reading the brief"), (0.5, "thinking")):
                        yield json.dumps({"progress": progress, "step": step}) + "\n"
                        await anyio.sleep(0.05)
                    self.started.set()
                    while not self.release.is_set():
                        await anyio.sleep(0.02)
                    yield json.dumps({"progress": 0.9, "step": "finishing"}) + "\n"
                    yield json.dumps({"result": result}) + "\n"
                    finished = True
                finally:
                    if not finished:  # Starlette cancels the stream when the client disconnects
                        self.left.set()

            return StreamingResponse(lines(), media_type="application/x-ndjson")

        return Starlette(routes=[Route("/health", health), Route("/v1/tasks/{kind}", task, methods=["POST"])])

    def payloads(self, kind: str) -> list[dict]:
        return [payload for k, payload, _ in self.requests if k == kind]
