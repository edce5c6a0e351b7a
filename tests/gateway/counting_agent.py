"""The real agent as a process, with one test-only addition: every task request it receives is
appended as one line to the file named by UMT_TEST_AGENT_LOG (the task kind, then the request
body), before the agent runs it. The line is the honest count of agent executions.
UMT_TEST_AGENT_DELAY (seconds) makes each task take at least that long, as a slower machine or a
model would: the jobs are then really in flight when a test kills a gateway.

    UMT_PORT=... UMT_TEST_AGENT_LOG=/tmp/agent.log python -m tests.gateway.counting_agent
"""

from __future__ import annotations

import asyncio
import os

from umt.agent.app import create_app
from umt.agent.settings import AgentSettings
from umt.serve import serve


class CountingTasks:
    def __init__(self, app, log_path: str, delay: float) -> None:
        self.app, self.log_path, self.delay = app, log_path, delay

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/tasks/") or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        chunks: list[bytes] = []

        async def recording_receive():
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    line = scope["path"].rsplit("/", 1)[-1] + " " + b"".join(chunks).decode(errors="replace")
                    with open(self.log_path, "a", encoding="utf-8") as log:  # one write per line: O_APPEND
                        log.write(line.replace("\n", " ") + "\n")
            return message

        if self.delay:
            await asyncio.sleep(self.delay)
        await self.app(scope, recording_receive, send)


if __name__ == "__main__":
    settings = AgentSettings.from_env()
    serve(CountingTasks(create_app(settings), os.environ["UMT_TEST_AGENT_LOG"],
                        float(os.environ.get("UMT_TEST_AGENT_DELAY", "0"))), settings.host, settings.port,
          "agent")
