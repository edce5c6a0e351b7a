"""Serves an ASGI app with uvicorn, the same way for the gateway and the agent."""

from __future__ import annotations

import logging
import os


def serve(app, host: str, port: int, name: str) -> None:
    import uvicorn

    logging.basicConfig(
        level=os.environ.get("UMT_LOG_LEVEL", "INFO").upper(),
        format=f"%(asctime)s {name} %(levelname)s %(message)s",
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        http="httptools",
        loop="asyncio",
        lifespan="on",
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
