"""Backend choice: Docker when its engine is reachable, else the native backend, and say so."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from umt.runtime.backend import Backend
from umt.runtime.errors import EngineUnavailable
from umt.runtime.stackfile import StackSpec, load_stack

CHOICES = ("auto", "docker", "native")


@dataclass(frozen=True)
class BackendChoice:
    backend: Backend
    note: str                      # what was chosen and why, in words
    docker_diagnosis: object | None = None   # umt.runtime.diagnosis.DockerDiagnosis when Docker was asked


def open_backend(
    choice: str = "auto",
    stack: StackSpec | None = None,
    data_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> BackendChoice:
    from umt.paths import data_dir as default_data_dir, default_stack_file

    if choice not in CHOICES:
        raise ValueError(f"backend must be one of {', '.join(CHOICES)}, not {choice!r}")
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    if stack is None:   # the gateway's data folder lies in this data folder, as umt.launch sets it
        env = {**(env if env is not None else os.environ), "UMT_DATA_DIR": str(data_dir)}
        stack = load_stack(default_stack_file(), env)
    if choice == "native":
        from umt.runtime.native_backend import NativeBackend

        return BackendChoice(NativeBackend(stack, data_dir), "Native mode: the services run as local processes.")
    from umt.runtime.diagnosis import diagnose_docker

    diagnosis = diagnose_docker()
    if diagnosis.ok:
        from umt.runtime.docker_backend import DockerBackend

        return BackendChoice(DockerBackend(stack, data_dir), "Docker mode: the services run as containers.", diagnosis)
    if choice == "docker":
        raise EngineUnavailable(diagnosis)
    from umt.runtime.native_backend import NativeBackend

    return BackendChoice(
        NativeBackend(stack, data_dir),
        f"{diagnosis.summary} umt runs the services as local processes instead.",
        diagnosis,
    )
