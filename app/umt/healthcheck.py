"""The one health probe: GET a URL, healthy on 2xx. Standard library only, because it also runs
inside the slim image as the containers' healthcheck: `python -m umt.healthcheck URL`."""

from __future__ import annotations

import http.client
import sys
from urllib.parse import urlsplit


def probe(url: str, timeout: float = 2.0) -> bool:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/")
        return 200 <= connection.getresponse().status < 300
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(0 if probe(sys.argv[1]) else 1)
