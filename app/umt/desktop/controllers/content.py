"""The Content studio's section controller: the filtered, paged list and the brand/campaign pickers.

It reaches the gateway only through the SessionController (`session.call`), so it never blocks the
GUI thread and an expired session is handled there once. Each editor gets its own
EditorController (controllers/content_editor.py) from `new_editor()`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from umt.desktop.controllers.problem import Problem
from umt.desktop.models.content import ContentListModel
from umt.desktop.models.content_records import Option, brand_from_api, campaign_from_api, content_from_api

FILTERS = ("brand_id", "campaign_id", "channel", "status", "q")
# Lists for the pickers: more brands or campaigns than this is not a small business's workspace.
OPTIONS_LIMIT = 500


def call_while_alive(owner: QObject, session, fn, on_done=None, on_error=None, **kwargs) -> None:
    """session.call, whose answers are dropped once `owner` (a controller) has been deleted: an
    answer may arrive after its window closed."""

    def guard(callback):
        if callback is None:
            return None
        return lambda value: callback(value) if isValid(owner) else None

    session.call(fn, guard(on_done), guard(on_error), **kwargs)


class ContentController(QObject):
    sig_options_loaded = Signal(object, object)
    """The brands and campaigns for the pickers arrived: (list[Option], list[Option])."""

    sig_list_failed = Signal(str)
    """The list (or the pickers) could not be loaded: a sentence for the owner."""

    sig_notice_changed = Signal(str)
    """Why the section cannot show posts now (stack stopped, signed out), or "" when it can."""

    def __init__(self, session, parent: QObject | None = None, page_size: int = 200):
        super().__init__(parent)
        self.session = session
        self.list_model = ContentListModel(self, page_size=page_size)
        self.list_model.sig_page_failed.connect(self.sig_list_failed)
        self.brands: dict[int, Option] = {}
        self.campaigns: dict[int, Option] = {}
        self.filters: dict[str, Any] = {}
        session.sig_state_changed.connect(self._on_session_state_changed)

    def _on_session_state_changed(self, state) -> None:
        if state.gateway_url is None:
            notice = state.message or "The stack is stopped. Start it in the Control center to see your posts."
        elif not state.signed_in:
            notice = state.message or "Sign in to see your posts."
        else:
            notice = ""
            self.load_options()
            self.reload()
        self.sig_notice_changed.emit(notice)

    # --- list -----------------------------------------------------------------------------------
    def set_filters(self, **filters: Any) -> None:
        """Shows the items matching the filters (brand_id, campaign_id, channel, status, q); empty
        values mean no filter. A newer call supersedes the pages of an older one."""
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise ValueError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        self.filters = {k: v for k, v in filters.items() if v not in (None, "")}
        self.reload()

    def reload(self) -> None:
        filters = dict(self.filters)

        def fetch(offset: int, limit: int, on_page, on_error) -> None:
            call_while_alive(
                self, self.session, lambda client: self._read_page(client, filters, offset, limit),
                lambda page: on_page(*page), lambda error: on_error(Problem.from_error(error).message),
                key="content-list", description="load content")

        self.list_model.restart(fetch)

    @staticmethod
    def _read_page(client, filters: dict[str, Any], offset: int, limit: int) -> tuple[list, int]:
        """One page as desktop records (on the worker, so the GUI thread only inserts the rows)."""
        page = client.content.list(limit=limit, offset=offset, **filters)
        return [content_from_api(item) for item in page.items], page.total

    # --- pickers --------------------------------------------------------------------------------
    def load_options(self) -> None:
        """Loads the brands and campaigns for the filters and the editor's pickers."""

        def both(client):
            return (client.brands.list(limit=OPTIONS_LIMIT), client.campaigns.list(limit=OPTIONS_LIMIT))

        call_while_alive(self, self.session, both, self._on_options_loaded,
                         lambda error: self.sig_list_failed.emit(Problem.from_error(error).message),
                         key="content-options", description="load brands and campaigns")

    def _on_options_loaded(self, pages) -> None:
        brands = [brand_from_api(b) for b in pages[0].items]
        campaigns = [campaign_from_api(c) for c in pages[1].items]
        self.brands = {b.id: b for b in brands}
        self.campaigns = {c.id: c for c in campaigns}
        self.list_model.set_brand_names({b.id: b.name for b in brands})
        self.sig_options_loaded.emit(brands, campaigns)

    # --- editors --------------------------------------------------------------------------------
    def new_editor(self, parent: QObject | None = None):
        """A controller for one editor (the pane or a window of its own)."""
        from umt.desktop.controllers.content_editor import EditorController

        editor = EditorController(self.session, parent or self)
        editor.sig_item_saved.connect(self._on_editor_item_saved)
        return editor

    def _on_editor_item_saved(self, item, created: bool) -> None:
        if created:
            self.reload()
        else:
            self.list_model.update_item(item)
