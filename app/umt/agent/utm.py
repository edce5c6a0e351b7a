"""The `utm` task: tag a link with UTM parameters, keeping its own query and fragment."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from umt.contract import tasks as contract

UTM_FIELDS = ("source", "medium", "campaign", "term", "content")
REQUIRED_FIELDS = ("source", "medium", "campaign")


@dataclass(frozen=True)
class UtmTask:
    url: str
    parameters: dict[str, str]


def parse_utm(task: contract.UtmInput) -> UtmTask:
    """The contract checked the link (http or https, a host, no spaces)."""
    parameters = {f"utm_{name}": getattr(task, name) for name in UTM_FIELDS if getattr(task, name) is not None}
    return UtmTask(task.url, parameters)


def run_utm(task: UtmTask, progress) -> dict:
    parts = urlsplit(task.url)
    existing = parse_qsl(parts.query, keep_blank_values=True)
    replaced = sorted({key for key, _ in existing if key in task.parameters})
    kept = [(key, value) for key, value in existing if key not in task.parameters]
    query = urlencode(kept + list(task.parameters.items()), quote_via=quote)
    tagged = urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", query, parts.fragment))
    warnings = [f"{key} was already on the link and has been replaced" for key in replaced]
    warnings += [f"utm_{name} has capital letters or spaces; analytics tools treat 'Email' and 'email' as "
                 f"different values, so lower case with dashes is safer"
                 for name in UTM_FIELDS if (value := task.parameters.get(f"utm_{name}"))
                 and value != value.lower().replace(" ", "-")]
    progress(1.0, "done")
    return {"url": tagged, "parameters": task.parameters, "replaced": replaced, "warnings": warnings}
