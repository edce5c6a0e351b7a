"""One controller per simple workspace resource (brands, campaigns): list with filters, load one,
save (create or update), delete. Every call goes through the SessionController, so a 401 is
handled there once and the views only see results and field errors."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from umt.desktop.controllers.problem import Problem

LIST_PAGE = 500  # brands and campaigns of one small business fit in one page


def save_problem(exc: BaseException) -> Problem:
    """Why a save (or read) failed, for the form: the Problem in words, its field reduced to the form
    field (the API names a path such as `sample_posts[2]`; the form knows `sample_posts`)."""
    problem = Problem.from_error(exc)
    if problem.field:
        problem = replace(problem, field=problem.field.split(".")[0].split("[")[0])
    return problem


class RecordsController(QObject):
    sig_records_loaded = Signal(list)
    """The list for the current filters arrived (records from the client)."""

    sig_record_saved = Signal(object)
    """A create or update succeeded: the record as the gateway stored it."""

    sig_save_failed = Signal(object)
    """A create or update was refused or failed (a controllers.problem.Problem, its field the form's);
    the form keeps what was typed."""

    sig_record_deleted = Signal(int)
    """The record with this id was deleted."""

    sig_load_failed = Signal(str)
    """The list could not be read, in words."""

    def __init__(self, session, resource: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.resource = resource
        self._filters: dict[str, Any] = {}

    def _api(self, client):
        return getattr(client, self.resource)

    def load(self, **filters: Any) -> None:
        """Reads the list for these filters; a newer load supersedes an older one still running."""
        self._filters = {k: v for k, v in filters.items() if v not in (None, "")}
        wanted = dict(self._filters)
        self._session.call(
            lambda client: list(self._api(client).list(limit=LIST_PAGE, **wanted).items),
            # Keyed per controller: the Campaigns page's brand list must not supersede the Brands page's.
            self.sig_records_loaded.emit, self._on_load_failed, key=f"{self.resource}:list:{id(self)}",
            description=f"list {self.resource}")

    def reload(self) -> None:
        self.load(**self._filters)

    def save(self, record_id: int | None, fields: dict[str, Any]) -> None:
        def write(client):
            api = self._api(client)
            return api.create(**fields) if record_id is None else api.update(record_id, **fields)

        self._session.call(write, self._on_saved, lambda exc: self.sig_save_failed.emit(save_problem(exc)),
                           description=f"save {self.resource}")

    def delete(self, record_id: int) -> None:
        self._session.call(lambda client: self._api(client).delete(record_id),
                           lambda _: self._on_deleted(record_id),
                           lambda exc: self.sig_save_failed.emit(save_problem(exc)),
                           description=f"delete {self.resource}")

    def fetch(self, call: Callable[[Any], Any], on_done: Callable[[Any], None], key: str) -> None:
        """A related read for the page (e.g. a campaign's content), superseded by key."""
        self._session.call(call, on_done, lambda exc: self.sig_load_failed.emit(save_problem(exc).message), key=key)

    def _on_saved(self, record) -> None:
        self.sig_record_saved.emit(record)
        self.reload()

    def _on_deleted(self, record_id: int) -> None:
        self.sig_record_deleted.emit(record_id)
        self.reload()

    def _on_load_failed(self, exc: BaseException) -> None:
        self.sig_load_failed.emit(save_problem(exc).message)
