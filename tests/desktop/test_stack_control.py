"""The Start/Stop card keeps its height through every phase (seen on screen: it jumped when the
progress bar, the advice line and the gateway address came and went)."""

from __future__ import annotations

from umt.desktop.controllers.stack_state import Phase, StackState
from umt.desktop.widgets.stack_control import StackControl


def test_the_card_does_not_jump_in_height_between_phases(qtbot):
    card = StackControl()
    qtbot.addWidget(card)
    card.resize(800, 10)
    card.show()
    heights = {}
    states = [
        (StackState(Phase.STOPPED, "Stopped", "The services are not running."), None),
        (StackState(Phase.STARTING, "Starting", "Starting the gateway", fraction=0.4), None),
        (StackState(Phase.RUNNING, "Running", "Every service is healthy."), "http://127.0.0.1:8710"),
        (StackState(Phase.ERROR, "Could not start", "Port 8710 is in use.", advice="Stop that program or pick another port."), None),
        (StackState(Phase.STOPPED, "Stopped", "The services are not running."), None),
    ]
    for state, address in states:
        card.show_state(state)
        card.show_address(address)
        heights[state.title] = card.heightForWidth(800)
    assert len(set(heights.values())) == 1, heights
