"""The task helper: results on the GUI thread, stack jobs in order, and a GUI that never freezes."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, QTimer

from umt.desktop.tasks import LineFollower, Sampler


def test_results_and_errors_arrive_on_the_gui_thread(qtbot, tasks):
    gui_thread = QThread.currentThread()
    seen = {}

    def work():
        seen["worker"] = QThread.currentThread()
        return 42

    tasks.run(work, on_done=lambda value: seen.update(value=value, delivered=QThread.currentThread()))
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == 42
    assert seen["worker"] is not gui_thread
    assert seen["delivered"] is gui_thread

    def fail():
        raise ValueError("broken engine")

    tasks.run(fail, on_error=lambda exc: seen.update(error=exc, error_thread=QThread.currentThread()))
    qtbot.waitUntil(lambda: "error" in seen)
    assert isinstance(seen["error"], ValueError) and seen["error_thread"] is gui_thread


def test_a_failure_without_handler_is_reported_not_lost(qtbot, tasks):
    with qtbot.waitSignal(tasks.sig_task_failed) as blocker:
        tasks.run(lambda: 1 / 0, description="divide")
    assert blocker.args[0] == "divide" and isinstance(blocker.args[1], ZeroDivisionError)


def test_stack_jobs_run_one_at_a_time_in_order(qtbot, tasks):
    release = threading.Event()
    order, overlapping, active = [], [], []
    lock = threading.Lock()

    def job(number):
        def run():
            with lock:
                active.append(number)
                overlapping.append(len(active))
            if number == 0:
                release.wait(10)
            with lock:
                active.remove(number)
            return number

        return run

    for number in range(4):
        tasks.run_stack_job(job(number), on_done=order.append)
    assert tasks.stack_jobs == 4
    release.set()
    qtbot.waitUntil(lambda: len(order) == 4)
    assert order == [0, 1, 2, 3]
    assert max(overlapping) == 1
    qtbot.waitUntil(lambda: tasks.stack_jobs == 0)


def test_gui_keeps_processing_events_while_a_slow_backend_prepares(qtbot, controller, fake_backend):
    """While the backend's prepare() blocks a worker, a GUI QTimer keeps firing."""
    fake_backend.prepare_gate = threading.Event()
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    controller.start()
    assert fake_backend.prepare_entered.wait(10), "prepare never ran"
    ticks_at_entry = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) >= ticks_at_entry + 10, timeout=5000)
    assert controller.state.phase.value == "starting"
    assert not fake_backend.running(), "prepare is still holding the start"
    fake_backend.prepare_gate.set()
    qtbot.waitUntil(lambda: controller.state.phase.value == "running", timeout=10000)
    timer.stop()


def test_sampler_keeps_only_the_newest_sample(qtbot):
    calls = []

    def sample():
        calls.append(len(calls))
        return calls[-1]

    sampler = Sampler(sample, interval_s=0.01).start()
    try:
        qtbot.waitUntil(lambda: len(calls) >= 5)
        ok, newest = sampler.take()
        assert sampler.take() is None, "a sample is taken once"
    finally:
        sampler.stop()
    assert ok and newest >= 4, "older samples were replaced, not queued"
    assert not sampler.running


def test_sampler_reports_errors_as_samples(qtbot):
    def broken():
        raise RuntimeError("engine gone")

    sampler = Sampler(broken, interval_s=0.01).start()
    try:
        taken = []
        qtbot.waitUntil(lambda: taken.append(sampler.take()) or taken[-1] is not None)
    finally:
        sampler.stop()
    ok, error = taken[-1]
    assert not ok and str(error) == "engine gone"


def test_line_follower_is_bounded_and_stops(qtbot):
    def lines(stop):
        number = 0
        while not stop.is_set():
            number += 1
            yield f"line {number}"
            if number % 1000 == 0:
                stop.wait(0.001)

    follower = LineFollower(lines, max_lines=50).start()
    qtbot.waitUntil(lambda: len(follower._buffer) == 50)
    drained = follower.drain()
    follower.stop()
    assert len(drained) == 50
    numbers = [int(line.split()[1]) for line in drained]
    assert numbers == sorted(numbers) and numbers[0] > 1, "the oldest lines were dropped, not the newest"


def test_crossing_to_the_gui_thread_leaves_bool_refcounts_alone(qtbot, tasks):
    """PySide6 6.12.0 dropped a reference to True on every emit and aborted the app after a few
    thousand (requirements pin it away); the task helper emits once per delivery."""
    import sys

    delivered = []
    before = sys.getrefcount(True)
    for _ in range(2000):
        tasks.call_in_gui(delivered.append, 1)
    qtbot.waitUntil(lambda: len(delivered) == 2000)
    # Unrelated objects come and go; the bug took one reference per emit, 2000 here.
    assert sys.getrefcount(True) - before > -200
