"""What the Start/Stop control says, for each state and each failure the runtime raises."""

from __future__ import annotations

import os

from umt.desktop.notify import notification_for
from umt.desktop.controllers.stack_state import Phase, assess, failure
from umt.runtime.diagnosis import DockerDiagnosis
from umt.runtime.errors import (BuildFailed, DataMoveNeeded, EngineUnavailable, PortInUse, ServiceFailed, StackFileError,
                               StackRunsElsewhere)
from umt.runtime.model import EventKind, Health, ServiceEvent, ServiceStatus, State


def test_assess_names_the_service_and_why():
    healthy = ServiceStatus("agent", State.RUNNING, Health.HEALTHY, "native", 1.0)
    assert assess([healthy]).phase == Phase.RUNNING
    unhealthy = ServiceStatus("gateway", State.RUNNING, Health.UNHEALTHY, "native", 1.0)
    state = assess([healthy, unhealthy])
    assert state.phase == Phase.DEGRADED and state.service == "gateway" and "health check" in state.detail
    gave_up = ServiceStatus("agent", State.FAILED, detail="gave up after 5 restarts in a row: exited with code 1")
    state = assess([gave_up])
    assert "keeps failing" in state.detail and "gave up after 5" in state.detail and "logs" in state.advice
    oom = ServiceStatus("agent", State.EXITED, oom_killed=True)
    assert "memory limit" in assess([oom]).advice


def test_every_runtime_failure_gets_a_reason_and_advice():
    diagnosis = DockerDiagnosis(False, "daemon_not_running", "Docker is not running.", "Start Docker.")
    cases = [
        EngineUnavailable(diagnosis),
        PortInUse(8710, "gateway", "nginx (pid 12)"),
        ServiceFailed("agent", "it exited with code 1 while starting"),
        BuildFailed("pip could not reach the index"),
        StackFileError("compose.yaml", 40, "services.agent.deploy.resources.limits.memory", "'x' is not a size"),
        RuntimeError("surprise"),
        StackRunsElsewhere("docker", "the background supervisor (pid 7)"),
    ]
    for exc in cases:
        state = failure(exc)
        assert state.phase == Phase.ERROR and state.title and state.detail and state.advice, exc
    assert "nginx (pid 12)" in failure(cases[1]).detail and "Settings" in failure(cases[1]).advice
    assert "native mode" in failure(cases[0]).advice
    elsewhere = failure(cases[-1])
    assert elsewhere.title == "The stack runs in docker mode" and "background supervisor (pid 7)" in elsewhere.detail


def test_data_left_in_dockers_volume_is_said_plainly_with_what_to_do(qtbot, tmp_path):
    from umt.desktop.widgets.stack_control import StackControl

    reason = ("Your data from Docker mode is still in the Docker volume umt_gateway-data, and native mode would "
              "start with an empty workspace. Start Docker and start the stack once in Docker mode.")
    state = failure(DataMoveNeeded(reason, "umt_gateway-data"))
    assert (state.phase, state.title) == (Phase.ERROR, "Your data is still in Docker")
    assert "umt_gateway-data" in state.detail and "empty workspace" in state.detail
    assert "Start Docker" in state.advice and "Settings" in state.advice
    assert "DataMoveNeeded" not in state.detail + state.title   # no class names for the owner
    card = StackControl()
    qtbot.addWidget(card)
    card.show_state(state)
    card.resize(900, card.heightForWidth(900))   # its width in the main window (1180 wide, with the sidebar)
    card.show()
    # two lines, each fitting the card's width: nothing wraps out of the room the card keeps
    for label in (card.detail, card.advice):
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width(), label.text()
    card.grab().save(str(tmp_path / "data-in-docker.png"))
    if os.environ.get("UMT_RENDER_DIR"):   # to look at it: UMT_RENDER_DIR=bench/out pytest -k data_left
        card.grab().save(os.path.join(os.environ["UMT_RENDER_DIR"], "stack-control-data-in-docker.png"))


def test_which_events_notify():
    titles = {
        kind: (notification_for(ServiceEvent("agent", kind, detail)) or None)
        for kind, detail in [
            (EventKind.OOM, "killed"),
            (EventKind.DIE, "exited with code 1"),
            (EventKind.HEALTH, "unhealthy"),
            (EventKind.RESTART, "restart 1"),
            (EventKind.GAVE_UP, "gave up"),
            (EventKind.START, ""),
        ]
    }
    assert titles[EventKind.OOM].title == "The agent ran out of memory"
    assert titles[EventKind.DIE].title == "The agent stopped"
    assert titles[EventKind.HEALTH].title == "The agent is not responding"
    assert titles[EventKind.RESTART].title == "The agent was restarted"
    assert titles[EventKind.GAVE_UP].level == "critical"
    assert titles[EventKind.START] is None
    assert notification_for(ServiceEvent("agent", EventKind.HEALTH, "healthy")) is None
