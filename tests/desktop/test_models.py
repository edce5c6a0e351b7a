"""The table models, checked by qtmodeltester, and what their cells say."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from umt import formatting
from umt.desktop.models.stack import FractionRole, LevelRole, ResourcesTableModel, ServicesTableModel, StatusRole
from umt.runtime.model import Health, ServiceStats, ServiceStatus, State

MIB = 1024 * 1024


def _statuses(restarts=0, health=Health.HEALTHY):
    started = time.time() - 125
    return [
        ServiceStatus("agent", State.RUNNING, health, "native", started, restarts),
        ServiceStatus("gateway", State.EXITED, Health.UNKNOWN, "docker", None, 2, exit_code=137, oom_killed=True, detail="killed: out of memory"),
    ]


def test_services_model_passes_qtmodeltester(qtmodeltester):
    model = ServicesTableModel()
    model.set_statuses(_statuses())
    qtmodeltester.check(model, force_py=True)  # the tester keeps watching the changes below
    model.set_statuses(_statuses(restarts=3, health=Health.UNHEALTHY))  # in place
    model.set_statuses(_statuses()[:1])  # reset
    model.set_statuses([])
    assert model.rowCount() == 0


def test_services_model_cells(qtbot):
    model = ServicesTableModel()
    model.set_statuses(_statuses(health=Health.UNHEALTHY))
    cell = lambda row, column, role=Qt.ItemDataRole.DisplayRole: model.data(model.index(row, column), role)  # noqa: E731
    assert cell(0, model.COL_SERVICE) == "agent"
    assert cell(0, model.COL_STATE) == "running"
    assert cell(0, model.COL_HEALTH) == "unhealthy"
    assert cell(0, model.COL_HEALTH, LevelRole) == formatting.LEVEL_DANGER
    assert cell(0, model.COL_UPTIME).startswith("2m ")
    assert cell(0, model.COL_BACKEND) == "native process"
    assert cell(1, model.COL_STATE) == "stopped"
    assert cell(1, model.COL_RESTARTS) == "2"
    assert cell(1, model.COL_BACKEND) == "Docker"
    assert "more memory than its limit" in cell(1, model.COL_STATE, Qt.ItemDataRole.ToolTipRole)
    assert cell(1, model.COL_SERVICE, StatusRole).exit_code == 137


def test_in_place_updates_emit_data_changed_not_reset(qtbot):
    model = ServicesTableModel()
    model.set_statuses(_statuses())
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged):
        model.set_statuses(_statuses(restarts=1))
    with qtbot.waitSignal(model.modelReset):
        model.set_statuses(list(reversed(_statuses())))


def _stats(agent_memory=30 * MIB):
    return [
        ServiceStats("agent", 12.5, agent_memory, 96 * MIB, 0.5),
        ServiceStats("gateway", 1.0, 50 * MIB, None, None),
    ]


def test_resources_model_passes_qtmodeltester(qtmodeltester):
    model = ResourcesTableModel()
    model.set_stats(["agent", "gateway"], _stats())
    qtmodeltester.check(model, force_py=True)  # the tester keeps watching the changes below
    model.set_stats(["agent", "gateway"], _stats()[:1])  # gateway stopped: no sample
    model.set_stats([], [])
    assert model.rowCount() == 0


def test_resources_model_figures_and_bar_levels(qtbot):
    model = ResourcesTableModel()
    model.set_stats(["agent", "gateway"], _stats(agent_memory=int(90 * MIB)))
    cell = lambda row, column, role=Qt.ItemDataRole.DisplayRole: model.data(model.index(row, column), role)  # noqa: E731
    assert cell(0, model.COL_MEMORY) == "90.0 MiB of 96.0 MiB · 94 %"
    assert cell(0, model.COL_MEMORY, LevelRole) == formatting.LEVEL_DANGER
    assert abs(cell(0, model.COL_MEMORY, FractionRole) - 90 / 96) < 1e-9
    assert cell(0, model.COL_CPU) == "12.5 % of a core · 25 % of 0.5 CPUs"
    assert cell(0, model.COL_CPU, LevelRole) == formatting.LEVEL_NORMAL
    assert cell(1, model.COL_MEMORY) == "50.0 MiB · no limit"
    assert cell(1, model.COL_MEMORY, FractionRole) is None
    model.set_stats(["agent", "gateway"], _stats(agent_memory=int(75 * MIB)))
    assert cell(0, model.COL_MEMORY, LevelRole) == formatting.LEVEL_WARNING
    model.set_stats(["agent", "gateway"], [])
    assert cell(0, model.COL_MEMORY) == "—" and cell(0, model.COL_MEMORY, FractionRole) is None


def test_formatting():
    assert formatting.uptime(59) == "59s"
    assert formatting.uptime(3 * 3600 + 5 * 60) == "3h 05m"
    assert formatting.uptime(2 * 86400 + 3600) == "2d 1h"
    assert formatting.mib(150 * MIB) == "150 MiB"
    assert formatting.fraction_level(0.74) == formatting.LEVEL_NORMAL
    assert formatting.fraction_level(0.75) == formatting.LEVEL_WARNING
    assert formatting.fraction_level(0.9) == formatting.LEVEL_DANGER
