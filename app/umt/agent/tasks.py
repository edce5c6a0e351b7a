"""The task kinds the agent runs: their inputs and results are umt.contract's (TASK_KINDS); here
is where each kind's code lives.

A kind's module and the contract (msgspec) are imported on first use, so an idle agent carries
only the web stack."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from umt.agent.errors import InputError


@dataclass(frozen=True)
class TaskKind:
    name: str
    module: str
    parse: str
    run: str
    reports_progress: bool = False
    needs_settings: bool = False

    @property
    def input(self) -> type:
        """The contract's record for this kind's input."""
        from umt.contract.tasks import TASK_KINDS

        return TASK_KINDS[self.name].input

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.input.__struct_fields__)

    def load(self):
        """(parse, run) functions: parse(input record) -> task; run(task, progress[, settings]) -> dict."""
        module = importlib.import_module(self.module)
        return getattr(module, self.parse), getattr(module, self.run)

    def decode(self, body: bytes) -> Any:
        """The request body as this kind's input record; raises InputError naming the field."""
        from umt.contract import ContractError, decode_json

        try:
            return decode_json(body, self.input)
        except ContractError as error:
            raise InputError.from_contract(error) from None

    def describe(self) -> dict:
        import msgspec

        from umt.contract.tasks import TASK_KINDS

        schema = msgspec.json.schema(self.input)
        fields = schema["$defs"][self.input.__name__]
        return {"kind": self.name, "summary": TASK_KINDS[self.name].summary, "input": schema,
                "fields": sorted(fields["properties"]), "required": fields.get("required", []),
                "reports_progress": self.reports_progress}


def read_input(kind: str, data: Any) -> Any:
    """Python data as `kind`'s input record (for callers that hold data, not JSON bytes)."""
    from umt.contract import ContractError, convert

    try:
        return convert(data, TASKS[kind].input)
    except ContractError as error:
        raise InputError.from_contract(error) from None


TASKS: dict[str, TaskKind] = {kind.name: kind for kind in (
    TaskKind("draft", "umt.agent.drafting", "parse_draft", "run_draft", reports_progress=True, needs_settings=True),
    TaskKind("score", "umt.agent.scoring", "parse_score", "run_score"),
    TaskKind("experiment", "umt.agent.experiment", "parse_experiment", "run_experiment", reports_progress=True),
    TaskKind("sample_size", "umt.agent.experiment", "parse_sample_size", "run_sample_size"),
    TaskKind("best_time", "umt.agent.best_time", "parse_best_time", "run_best_time"),
    TaskKind("utm", "umt.agent.utm", "parse_utm", "run_utm"),
    TaskKind("plan_calendar", "umt.agent.planner", "parse_calendar", "run_calendar", reports_progress=True),
)}
