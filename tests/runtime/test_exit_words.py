"""A killed service is described in the same words whichever backend ran it (issue 8, item 11)."""

from __future__ import annotations

from umt.runtime.model import EventKind, State, describe_exit
from umt.runtime.native_backend import NativeBackend
from umt.runtime.stackfile import load_stack
from umt.runtime.supervisor import Supervisor

from tests.runtime.helpers import wait_for
from tests.runtime.test_native_stack import web_server_stack


def test_a_signal_death_has_one_wording_for_a_process_and_a_container():
    # Docker reports a container ended by signal N as 128+N; a native child reports -N.
    assert describe_exit(137) == describe_exit(-9) == "killed (SIGKILL)"
    assert describe_exit(143) == describe_exit(-15) == "stopped (SIGTERM)"
    assert describe_exit(139) == describe_exit(-11) == "ended by SIGSEGV"
    assert describe_exit(1) == "exited with code 1"
    assert describe_exit(None) == "exited"


def test_a_killed_native_service_is_described_as_docker_describes_one(tmp_path, isolated_data):
    from umt.runtime import docker_backend

    backend = NativeBackend(load_stack(web_server_stack(tmp_path, "killed", ""), env={}), isolated_data)
    events = []
    supervisor = Supervisor(backend, on_event=events.append, backoff_initial_s=30)
    try:
        supervisor.up(timeout_s=20)
        backend.kill_service("web")
        status = wait_for(lambda: (s := backend.status("web")).state == State.EXITED and s, what="the web service to die")
        assert status.detail == "killed (SIGKILL)"
        supervisor.watch_once()
        deaths = [e for e in events if e.kind == EventKind.DIE]
        assert deaths and deaths[0].detail == "killed (SIGKILL)"
        # Docker's words for the same death, from its status and from its engine's event:
        event = docker_backend._service_event({
            "Action": "die", "Actor": {"Attributes": {"org.umt.service": "web", "exitCode": "137"}}, "timeNano": 1,
        })
        assert event.detail == status.detail
    finally:
        supervisor.down()
