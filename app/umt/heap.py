"""Giving freed heap back to the OS: glibc keeps the pages a burst of work freed, so a service's
idle memory creeps up after its first tasks unless it asks glibc to return them (malloc_trim).
A no-op off glibc (macOS, Windows, musl)."""

from __future__ import annotations

_trim = None


def give_back() -> None:
    global _trim
    if _trim is None:
        try:
            import ctypes

            _trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _trim = False
    if _trim:
        _trim(0)
