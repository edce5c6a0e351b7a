"""The stack record (umt.runtime.record) between processes: a supervisor watching a real stack
takes `umt down` run in another process as a deliberate stop, in both backends; the record is
written atomically and read back as written."""

from __future__ import annotations

import os

import pytest

from umt import launch
from umt.runtime.model import EventKind, State
from umt.runtime.record import RecordFile, StackRecord, SupervisorRef

from tests.test_cli import umt


@pytest.mark.parametrize("backend", ["native", pytest.param("docker", marks=pytest.mark.docker)])
def test_umt_down_in_another_process_is_a_deliberate_stop_for_the_watching_supervisor(backend, stack_ports, tmp_path, monkeypatch):
    if backend == "docker":
        from tests.runtime.docker_helpers import stack_variables

        for name, value in stack_variables(tmp_path, stack_ports).items():
            monkeypatch.setenv(name, value)
    events = []
    supervisor, _ = launch.open_stack(backend, on_event=events.append)
    try:
        supervisor.up(timeout_s=180)
        supervisor.start_watching(interval_s=0.2)
        record = launch.read_record()
        assert (record.backend, record.intent) == (backend, "running")
        assert (record.supervisor.pid, record.supervisor.role) == (os.getpid(), "app")

        down = umt("down", timeout=180)
        assert down.returncode == 0, down.stderr
        assert f"Stopped ({backend})" in down.stderr
        assert supervisor.released.wait(10), "the supervisor did not let go"
        kinds = [e.kind for e in events]
        assert EventKind.RELEASED in kinds
        assert not {EventKind.DIE, EventKind.RESTART, EventKind.GAVE_UP} & set(kinds), events
        assert supervisor.watch_once() == []
        assert State.RUNNING not in {s.state for s in supervisor.backend.statuses()}
    finally:
        supervisor.stop_watching()
        supervisor.down()
        supervisor.backend.close()
        if backend == "docker":
            from tests.runtime.docker_helpers import remove_everything_of

            remove_everything_of(os.environ["UMT_STACK_NAME"])


def test_the_record_reads_back_as_written_and_a_damaged_one_means_nothing_runs(tmp_path):
    import psutil

    folder = tmp_path / "folder"
    record_file = RecordFile(folder / "stack.json")
    assert record_file.read() == StackRecord()
    me = SupervisorRef.this_process("background")
    written = record_file.write(StackRecord("native", "running", "run-1", me, "umt up"))
    assert record_file.read() == written and written.at > 0
    assert record_file.read().live_supervisor() == me
    gone = SupervisorRef(me.pid, me.started_at - 100, "background")   # same pid, another process's start time
    assert record_file.update(supervisor=gone).live_supervisor() is None
    assert [p.name for p in folder.iterdir()] == ["stack.json"]   # no temporary file left behind
    record_file.path.write_text('{"backend": "native"')       # cut short
    assert record_file.read() == StackRecord()
    record_file.path.write_text('{"backend": "docker"}')      # as umt before the record kept more
    assert (record_file.read().backend, record_file.read().wants_running) == ("docker", True)
    assert psutil.Process().create_time() == me.started_at
