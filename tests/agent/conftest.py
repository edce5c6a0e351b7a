"""Agent fixtures: the real agent app under uvicorn on a free port (the same threaded server the
gateway tests use), and a small OpenAI-compatible chat-completions server (http.server) that the
real HTTP provider talks to."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.conftest import free_port
from tests.gateway.servers import ThreadedServer
from umt.agent.app import create_app
from umt.agent.settings import AgentSettings


@pytest.fixture
def start_agent():
    """Starts the agent with the given settings changes; stops every started agent afterwards."""
    running = []

    def start(**changes) -> str:
        settings = replace(AgentSettings(), **changes)
        server = ThreadedServer(create_app(settings), free_port()).start()
        running.append(server)
        return server.url

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def agent_url(start_agent) -> str:
    return start_agent()


def post_task(base_url: str, kind: str, body, **kwargs) -> requests.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(f"{base_url}/v1/tasks/{kind}", data=data, timeout=30,
                         headers={"Content-Type": "application/json", **kwargs.pop("headers", {})}, **kwargs)


@dataclass
class FakeLLMBehaviour:
    """What the fake endpoint does; tests change it between calls."""

    statuses: list[int] = field(default_factory=list)  # consumed one per request; 200 when empty
    delay: float = 0.0
    reply: str = "Autumn is back at Bean There: maple pecan blend, 20% off this week. #coffee"
    replies: list[str] = field(default_factory=list)  # consumed one per success before `reply`
    raw_body: bytes | None = None
    headers: dict = field(default_factory=dict)


class FakeLLM:
    """An OpenAI-compatible /v1/chat/completions endpoint that records what it received."""

    def __init__(self):
        self.behaviour = FakeLLMBehaviour()
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                behaviour = fake.behaviour
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                status = behaviour.statuses.pop(0) if behaviour.statuses else 200
                if status == 200:
                    payload = behaviour.raw_body or json.dumps({
                        "id": "chatcmpl-test", "object": "chat.completion", "model": body.get("model"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": behaviour.replies.pop(0)
                                                 if behaviour.replies else behaviour.reply}}],
                    }).encode()
                else:
                    payload = json.dumps({"error": {"message": f"fake failure {status}", "type": "test"}}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in behaviour.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_llm():
    fake = FakeLLM()
    yield fake
    fake.close()


BRAND = {
    "name": "Bean There", "voice": "friendly, witty", "audience": "busy parents",
    "banned_words": ["cheap", "guaranteed"], "hashtags": ["coffee", "BeanThere", "#AutumnBlend"],
    "sample_posts": ["Mondays need more than one cup. We get it."],
}
