"""“Try with sample data”: fills an empty workspace with umt.demo's bakery through the
SessionController, with progress, so a new owner sees a full workspace. One per session (every
section's empty state uses the same one), so all of them see the progress and the result."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from umt import demo
from umt.desktop.controllers.problem import Problem


class SampleDataController(QObject):
    sig_workspace_checked = Signal(bool)
    """Whether the workspace is empty (no brands, no posts): only then is sample data offered."""

    sig_progressed = Signal(float, str)
    """Filling goes on: (fraction done 0..1, the step in words)."""

    sig_filled = Signal(object)
    """The sample workspace is in (a umt.demo.SampleSummary): the sections reload."""

    sig_fill_failed = Signal(object)
    """Filling stopped (a controllers.problem.Problem); what was made so far stays."""

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.filling = False

    @classmethod
    def for_session(cls, session) -> "SampleDataController":
        """The session's one controller (made on first use, owned by the session)."""
        found = session.findChild(cls)
        return found if found is not None else cls(session, session)

    def check(self) -> None:
        # A failed check offers nothing: the page's own list says why the gateway did not answer.
        self._session.call(demo.workspace_is_empty, self.sig_workspace_checked.emit, lambda exc: None,
                           key="sample_data:check", description="check whether the workspace is empty")

    def fill(self) -> None:
        if self.filling:
            return
        self.filling = True
        tasks = self._session.tasks

        def progress(fraction: float, step: str) -> None:  # worker thread
            tasks.call_in_gui(self.sig_progressed.emit, fraction, step)

        self.sig_progressed.emit(0.0, "Starting")
        self._session.call(lambda client: demo.fill_sample_data(client, progress), self._on_filled,
                           self._on_fill_failed, description="fill the workspace with sample data")

    def _on_filled(self, summary: demo.SampleSummary) -> None:
        self.filling = False
        self.sig_filled.emit(summary)

    def _on_fill_failed(self, exc: BaseException) -> None:
        self.filling = False
        if isinstance(exc, demo.WorkspaceNotEmpty):
            self.sig_fill_failed.emit(Problem(str(exc), code="workspace_not_empty"))
        else:
            self.sig_fill_failed.emit(Problem.from_error(exc))
