"""The `plan_calendar` task: spread a campaign's posts evenly over its dates, each near a best time,
never closer than the minimum gap to another post or to an existing calendar item.

Post i aims at the middle of the i-th equal share of the campaign's span; it takes the free
candidate slot with the lowest cost = hours away from that aim + a penalty for a slot that is not
one of the best times: one share of the span (at least 24 h) for a usual posting hour (9, 12,
17), twice that for any other daytime hour. So a post moves up to a whole share away to land on
a best time, and takes an ordinary hour only when the best times nearby are full."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from umt.contract import tasks as contract

DEFAULT_HOURS = (9, 12, 17)
DAYTIME_HOURS = tuple(range(8, 21))


@dataclass(frozen=True)
class CalendarTask:
    start: datetime
    end: datetime
    posts: int
    channels: list[str]
    timezone: object
    best_times: set[tuple[int, int]]
    existing: list[datetime]
    min_gap: timedelta


def parse_calendar(task: contract.PlanCalendarInput) -> CalendarTask:
    """The contract checked the time zone and that the span is 1 to contract.MAX_SPAN_DAYS days long."""
    start, end = task.bounds()
    return CalendarTask(
        start=start, end=end, posts=task.posts, channels=list(task.channels), timezone=start.tzinfo,
        best_times={(b.weekday, b.hour) for b in task.best_times}, existing=sorted(task.existing),
        min_gap=timedelta(hours=task.min_gap_hours),
    )


def _candidates(task: CalendarTask, penalty: dict[str, float]) -> list[tuple[datetime, float, bool]]:
    """(UTC time, penalty, is a best time) for every slot hour inside the span, sorted by time."""
    found = []
    hours = sorted(set(DAYTIME_HOURS) | {hour for _, hour in task.best_times})
    day = task.start.date()
    while day <= task.end.date():
        for hour in hours:
            local = datetime.combine(day, time(hour), tzinfo=task.timezone)
            moment = local.astimezone(timezone.utc)
            if moment.astimezone(task.timezone).hour != hour:
                continue  # a wall-clock hour skipped by a daylight-saving change
            if not task.start <= local < task.end:
                continue
            is_best = (day.weekday(), hour) in task.best_times
            if is_best:
                kind = "best"
            elif hour in DEFAULT_HOURS:
                kind = "best" if not task.best_times else "default"
            else:
                kind = "daytime"
            found.append((moment, penalty[kind], is_best))
        day += timedelta(days=1)
    found.sort(key=lambda item: item[0])
    return found


def _free(moment: datetime, taken: list[datetime], gap: timedelta) -> bool:
    index = bisect.bisect_left(taken, moment)
    if index < len(taken) and (taken[index] == moment or taken[index] - moment < gap):
        return False
    return not (index > 0 and moment - taken[index - 1] < gap)


def run_calendar(task: CalendarTask, progress) -> dict:
    span = task.end - task.start
    share = max(24.0, span.total_seconds() / 3600 / task.posts)
    candidates = _candidates(task, {"best": 0.0, "default": share, "daytime": 2 * share})
    times = [moment for moment, _, _ in candidates]
    taken = [moment.astimezone(timezone.utc) for moment in task.existing]
    used = set()
    items = []
    for index in range(task.posts):
        aim = (task.start + span * (index + 0.5) / task.posts).astimezone(timezone.utc)
        choice = _nearest(aim, candidates, times, taken, used, task.min_gap)
        if choice is not None:
            moment, _, is_best = candidates[choice]
            used.add(choice)
            bisect.insort(taken, moment)
            local = moment.astimezone(task.timezone)
            items.append({"channel": task.channels[len(items) % len(task.channels)],
                          "at": moment.isoformat().replace("+00:00", "Z"), "local": local.isoformat(),
                          "weekday": local.weekday(), "hour": local.hour, "best_time": is_best})
        progress((index + 1) / task.posts, f"placed {len(items)} of {task.posts} posts")
    items.sort(key=lambda item: item["at"])
    unplaced = task.posts - len(items)
    warnings = []
    if unplaced:
        warnings.append(f"Only {len(items)} of {task.posts} posts fit between {task.start.date()} and "
                        f"{task.end.date()} with {task.min_gap.total_seconds() / 3600:g} hours between posts; "
                        f"lengthen the campaign, shorten the gap or plan fewer posts.")
    if not task.best_times:
        warnings.append(f"No best times given: posts go at {', '.join(f'{h}:00' for h in DEFAULT_HOURS)} local time.")
    return {"items": items, "planned": len(items), "unplaced": unplaced, "timezone": task.timezone.key,
            "min_gap_hours": task.min_gap.total_seconds() / 3600, "warnings": warnings}


def _nearest(aim: datetime, candidates, times, taken, used, gap) -> int | None:
    """The free candidate with the lowest cost, searching outward from the aim."""
    best_index, best_cost = None, float("inf")
    middle = bisect.bisect_left(times, aim)
    for step in (-1, 1):
        index = middle if step == 1 else middle - 1
        while 0 <= index < len(candidates):
            moment, penalty, _ = candidates[index]
            distance = abs((moment - aim).total_seconds()) / 3600
            if distance >= best_cost:
                break
            cost = distance + penalty
            if cost < best_cost and index not in used and _free(moment, taken, gap):
                best_index, best_cost = index, cost
            index += step
    return best_index
