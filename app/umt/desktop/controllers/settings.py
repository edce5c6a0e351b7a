"""What the settings dialog asks of the host: the stack file's defaults (limits, ports, the base
image), whether the stack loads with the values typed (the loader's own words when not), which variables the environment sets
(they win over saved values: see umt.launch), and the LLM API key in the OS keyring.

The keyring is reached only on a worker (a keyring may block on D-Bus or an unlock prompt): the
dialog gets the key's state and the outcome of a change through callbacks on the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QObject, Signal

from umt import launch, secrets
from umt.desktop.tasks import TaskHandle, TaskManager
from umt.runtime.errors import StackFileError
from umt.runtime.stackfile import StackSpec
from umt.settings import BASE_IMAGE_VARIABLE, LIMIT_VARIABLES, LLM_VARIABLES, DesktopSettings, set_in_environment

STACK_VARIABLES = (
    tuple(v for variables in LIMIT_VARIABLES.values() for v in variables.values()) + LLM_VARIABLES + (BASE_IMAGE_VARIABLE,)
)


@dataclass(frozen=True)
class KeyState:
    stored: bool        # an API key is in the keyring
    storage: str        # where secrets are kept, in words (secure keyring, plain file…)


@dataclass(frozen=True)
class KeyChange:
    """What the dialog asks for the key: keep it, store `value`, or delete it."""

    action: str = "keep"    # "keep" | "set" | "delete"
    value: str = ""

    def __repr__(self) -> str:  # the key never reaches a log
        return f"KeyChange({self.action!r})"


class SettingsController(QObject):
    sig_key_change_failed = Signal(object)
    """Storing or deleting the API key failed (the exception); the window says so."""

    def __init__(self, tasks: TaskManager, parent: QObject | None = None):
        super().__init__(parent)
        self._tasks = tasks

    # --- the stack's values (files only, quick: on the GUI thread) -------------------------------
    def stack_defaults(self) -> dict[str, str]:
        """The stack file's own limits and ports (with what the environment sets), as text."""
        try:
            return _defaults(launch.load_default_stack(DesktopSettings()))
        except StackFileError:
            return {}

    def validate(self, settings: DesktopSettings) -> str | None:
        """The loader's message when the stack cannot load with these settings, else None."""
        try:
            launch.load_default_stack(settings)
        except StackFileError as exc:
            return _explain(exc, settings)
        return None

    def set_in_environment(self) -> dict[str, str]:
        """The stack variables the environment sets: a saved value for them does not apply."""
        return set_in_environment(STACK_VARIABLES)

    # --- the API key (keyring: on a worker) -------------------------------------------------------
    def load_key_state(self, on_done: Callable[[KeyState], None], on_error: Callable[[BaseException], None] | None = None) -> TaskHandle:
        def read() -> KeyState:
            return KeyState(secrets.get_secret(secrets.LLM_API_KEY) is not None, secrets.storage().description)

        return self._tasks.run(read, on_done, on_error, "read the keyring", key="settings:key-state")

    def change_key(self, change: KeyChange, on_done: Callable[[None], None] | None = None) -> TaskHandle | None:
        """Stores or deletes the key as asked; a failure is told by sig_key_change_failed."""
        if change.action == "keep":
            return None
        if change.action == "set":
            work = lambda: secrets.set_secret(secrets.LLM_API_KEY, change.value)  # noqa: E731
        elif change.action == "delete":
            work = lambda: secrets.delete_secret(secrets.LLM_API_KEY)  # noqa: E731
        else:
            raise ValueError(f"unknown key change '{change.action}'")
        return self._tasks.run(work, on_done, self.sig_key_change_failed.emit, "store the API key in the keyring")


def _defaults(stack: StackSpec) -> dict[str, str]:
    """The stack's limits, ports and base image, shown as placeholders for empty fields."""
    shown = {}
    base = next((s.build.args["BASE_IMAGE"] for s in stack.services.values() if s.build and s.build.args.get("BASE_IMAGE")), "")
    if base:
        shown[BASE_IMAGE_VARIABLE] = base
    for service, variables in LIMIT_VARIABLES.items():
        spec = stack.services.get(service)
        if spec is None:
            continue
        if spec.limits.memory_bytes:
            shown[variables["memory"]] = f"{spec.limits.memory_bytes // (1024 * 1024)}M"
        if spec.limits.cpus:
            shown[variables["cpus"]] = f"{spec.limits.cpus:g}"
        if spec.health_port:
            shown[variables["port"]] = str(spec.health_port)
    return shown


def _explain(exc: StackFileError, settings: DesktopSettings) -> str:
    """The loader's message, led by the setting that caused it where it can be told."""
    for service, variables in LIMIT_VARIABLES.items():
        for key, variable in variables.items():
            value = settings.stack_variables.get(variable)
            if value and exc.field and f"services.{service}." in f"{exc.field}." and _field_matches(exc.field, key):
                return f"{service.capitalize()} {key}: {exc.message}"
    return str(exc)


def _field_matches(field: str, key: str) -> bool:
    return {"memory": field.endswith(".memory"), "cpus": field.endswith(".cpus"), "port": "port" in field or field.endswith("environment.UMT_PORT")}[key]
