"""A test stack on real containers (host networking), through the Docker backend: for the fault
tests that load the gateway in its container or restart the engine under it."""

from __future__ import annotations

import contextlib
from typing import Iterator

import pytest

from tests.runtime.docker_helpers import load_test_stack, remove_everything_of, stack_variables
from tests.runtime.helpers import wait_for
from umt.healthcheck import probe


@contextlib.contextmanager
def running_stack(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    from umt.runtime.docker_backend import DockerBackend

    variables = stack_variables(tmp_path)
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    stack = load_test_stack(variables)
    backend = DockerBackend(stack, tmp_path / "umt-data")
    try:
        backend.prepare()
        for spec in stack.start_order():
            backend.start_service(spec.name)
            wait_for(lambda: probe(spec.health_url, 0.5), 60, what=f"{spec.name} healthy")
        yield backend, stack
    finally:
        backend.close()
        remove_everything_of(stack.name)
