"""Log files on disk (native services' output, the Docker image build): the last lines, and
following new ones as they are written."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterator

_TAIL_WINDOW = 256 * 1024  # the last 256 KiB hold far more lines than any tail we show


def read_tail(path: Path, tail: int = 200) -> list[str]:
    if not path.exists():
        return []
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - _TAIL_WINDOW))
        lines = handle.read().decode("utf-8", "replace").splitlines()
    return lines[-tail:] if tail else lines


def follow(path: Path, stop: threading.Event) -> Iterator[str]:
    """New lines as they are written, until `stop` is set; starts at the current end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        pending = b""
        while not stop.is_set():
            chunk = handle.read()
            if not chunk:
                if handle.tell() > path.stat().st_size:   # rewritten from the start (a new build)
                    handle.seek(0)
                stop.wait(0.2)
                continue
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.decode("utf-8", "replace")
