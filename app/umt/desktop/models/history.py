"""The last ten minutes of each service's CPU and memory, as shares of its own limits."""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Iterable

from umt.runtime.model import ServiceStats

HISTORY_SECONDS = 600


@dataclass(frozen=True)
class Point:
    at: float
    cpu_percent_of_limit: float | None
    memory_percent_of_limit: float | None
    memory_bytes: int


class ResourceHistory:
    def __init__(self, window_s: float = HISTORY_SECONDS):
        self.window_s = window_s
        self._points: dict[str, collections.deque[Point]] = {}

    def add(self, samples: Iterable[ServiceStats]) -> None:
        for sample in samples:
            points = self._points.setdefault(sample.name, collections.deque())
            points.append(
                Point(
                    sample.at,
                    None if sample.cpu_fraction is None else sample.cpu_fraction * 100.0,
                    None if sample.memory_fraction is None else sample.memory_fraction * 100.0,
                    sample.memory_bytes,
                )
            )
            while points and points[0].at < sample.at - self.window_s:
                points.popleft()

    def points(self, service: str) -> list[Point]:
        return list(self._points.get(service, ()))

    def services(self) -> list[str]:
        return list(self._points)

    def clear(self) -> None:
        self._points.clear()
