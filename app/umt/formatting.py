"""How figures read, in the control center and from `umt stats` alike: MiB, percentages, uptimes, and
when a bar turns amber or red. Qt-free, so the command and the window share one wording."""

from __future__ import annotations

MIB = 1024 * 1024
WARNING_FRACTION = 0.75  # amber from three quarters of a limit
DANGER_FRACTION = 0.90   # red from nine tenths: the next spike may hit the limit

LEVEL_NORMAL, LEVEL_WARNING, LEVEL_DANGER = "normal", "warning", "danger"


def fraction_level(fraction: float | None) -> str:
    if fraction is None or fraction < WARNING_FRACTION:
        return LEVEL_NORMAL
    return LEVEL_WARNING if fraction < DANGER_FRACTION else LEVEL_DANGER


def mib(value_bytes: int | float | None) -> str:
    if value_bytes is None:
        return "—"
    figure = value_bytes / MIB
    return f"{figure:.1f} MiB" if figure < 100 else f"{figure:.0f} MiB"


def percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.0f} %"


def cpus(limit: float | None) -> str:
    if limit is None:
        return "no limit"
    return f"{limit:g} CPU" if limit == 1 else f"{limit:g} CPUs"


def uptime(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def cpu_text(cpu_percent: float, cpu_limit: float | None, cpu_fraction: float | None) -> str:
    if cpu_fraction is None:
        return f"{cpu_percent:.1f} % of a core · {cpus(cpu_limit)}"
    return f"{cpu_percent:.1f} % of a core · {percent(cpu_fraction)} of {cpus(cpu_limit)}"


def memory_text(memory_bytes: int, limit_bytes: int | None, fraction: float | None) -> str:
    if not limit_bytes:
        return f"{mib(memory_bytes)} · no limit"
    return f"{mib(memory_bytes)} of {mib(limit_bytes)} · {percent(fraction)}"
