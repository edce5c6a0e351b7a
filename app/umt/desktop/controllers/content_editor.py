"""One content editor's controller: the item, saving, the workflow moves, versions, live scoring,
drafting with AI and the UTM builder. Each editor (the studio's pane or a window of its own) has
its own, so two open editors never receive each other's answers."""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from umt.desktop.controllers.content import call_while_alive
from umt.desktop.controllers.deliveries import DeliveriesController
from umt.desktop.controllers.problem import Problem
from umt.contract.channels import channel_for
from umt.desktop.models.content_records import (ContentItem, ContentVersion, content_from_api, draft_from_api,
                                                score_from_api, version_from_api)

EDITABLE = ("title", "body", "channel", "brand_id", "campaign_id", "scheduled_at")
JOB_TIMEOUT_S = 60.0
_editor_numbers = itertools.count(1)

# What the owner reads when the model endpoint cannot write (the agent's error codes).
DRAFT_MESSAGES = {
    "llm_unavailable": "The AI model is not answering right now, so nothing was written. Try again in a "
                       "moment, or tick \u201cOffline template\u201d to draft without it.",
    "llm_not_configured": "No AI model is set up yet. Add its address in Settings, or tick "
                          "\u201cOffline template\u201d to draft without it.",
}


# The draft's input names the brand and the campaign; the editor's fields are their ids.
EDITOR_FIELDS = {"brand": "brand_id", "campaign": "campaign_id"}


def _in_words(problem: Problem) -> tuple[str, str]:
    """(the editor's field or "", a sentence) for the editor's signals; a draft's known failures get
    advice on what to do instead."""
    if problem.code in DRAFT_MESSAGES:
        return "", DRAFT_MESSAGES[problem.code]
    field = problem.field or ""
    return EDITOR_FIELDS.get(field, field), problem.message


def _error_words(error: BaseException) -> tuple[str, str]:
    return _in_words(Problem.from_error(error))


class EditorController(QObject):
    sig_item_loaded = Signal(object)
    """The item (a ContentItem) was opened, saved, moved or restored; None for a new, unsaved post."""

    sig_item_saved = Signal(object, bool)
    """The item was written to the gateway: (ContentItem, created)."""

    sig_save_failed = Signal(str, str)
    """Saving was refused: (field or "", sentence). What the owner typed stays in the editor."""

    sig_move_refused = Signal(str, str)
    """A workflow move was refused: (field or "", the API's reason)."""

    sig_versions_loaded = Signal(object)
    """The item's versions arrived (list[ContentVersion])."""

    sig_score_updated = Signal(object)
    """A live score for the newest text arrived (a ScoreResult)."""

    sig_score_failed = Signal(str)
    """Scoring failed: a sentence for the owner."""

    sig_draft_progressed = Signal(float, str)
    """The draft job moved on: (fraction 0-1, step)."""

    sig_draft_finished = Signal(object)
    """The draft became the item's new version (a DraftOutcome)."""

    sig_draft_failed = Signal(str, str)
    """Drafting failed: (field or "", a plain sentence)."""

    sig_draft_cancelled = Signal()
    """The owner cancelled the draft; nothing was written."""

    sig_utm_built = Signal(str, object)
    """The tagged link and its warnings (list[str])."""

    sig_utm_failed = Signal(str, str)
    """The link could not be tagged: (field or "", sentence)."""

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.item: ContentItem | None = None
        number = next(_editor_numbers)
        self._keys = {name: f"content-editor-{number}-{name}" for name in ("item", "save", "score", "draft", "utm")}
        self._draft_follower = None
        self._draft_job_id: int | None = None
        self._draft_generation = 0
        self._saving = False  # a save or a move is on its way
        self.deliveries = DeliveriesController(session, self)   # the post's deliveries, for its Deliveries tab
        self._delivery_states: tuple | None = None
        self.deliveries.sig_deliveries_changed.connect(self._on_deliveries_deliveries_changed)
        session.sig_session_expired.connect(self._on_session_session_expired)

    def _on_session_session_expired(self) -> None:
        """Whatever was being saved waits for the owner to sign in again; the editor keeps the text."""
        if isValid(self) and self._saving:
            self._saving = False
            self.sig_save_failed.emit("", "Your session ended. Sign in again to save: your text is kept here.")

    def _on_deliveries_deliveries_changed(self, lines: list) -> None:
        """A delivery moved on (queued, sent): the post's status may have moved too (scheduled,
        published), so the item is read again and the workflow buttons follow."""
        if not self.deliveries.loaded:
            return
        states = (self.deliveries.content_id, tuple(sorted(line.status for line in lines)))
        before, self._delivery_states = self._delivery_states, states
        item = self.item
        if before is not None and before[0] == states[0] and before != states and item is not None \
                and item.id == states[0] and not self._saving:
            self.open(item.id)

    def _call(self, fn, on_done=None, on_error=None, **kwargs) -> None:
        call_while_alive(self, self.session, fn, on_done, on_error, **kwargs)

    # --- the item -------------------------------------------------------------------------------
    def open(self, item_id: int) -> None:
        self._call(lambda client: client.content.get(item_id), self._on_item_loaded,
                   lambda error: self.sig_save_failed.emit(*_error_words(error)), key=self._keys["item"],
                   description="open a post")

    def start_new(self) -> None:
        self.item = None
        self.sig_item_loaded.emit(None)
        self.sig_versions_loaded.emit([])

    def save(self, fields: dict[str, Any]) -> None:
        """Creates the post, or sends the fields that changed; a changed title or body is a new version."""
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
        item = self.item
        if item is None:
            call = lambda client: client.content.create(**fields)  # noqa: E731
        else:
            changes = {k: v for k, v in fields.items() if getattr(item, k) != v}
            if not changes:
                self.sig_item_saved.emit(item, False)
                return
            call = lambda client: client.content.update(item.id, **changes)  # noqa: E731
        self._saving = True
        self._call(call, lambda record: self._on_saved(record, item is None), self._on_save_failed,
                   key=self._keys["save"], description="save a post")

    def _on_save_failed(self, error: BaseException) -> None:
        self._saving = False
        self.sig_save_failed.emit(*_error_words(error))

    def _on_saved(self, record: Any, created: bool) -> None:
        self._saving = False
        self._on_item_loaded(record)
        self.sig_item_saved.emit(self.item, created)

    def _on_item_loaded(self, record: Any) -> None:
        self.item = content_from_api(record)
        self.sig_item_loaded.emit(self.item)
        self.load_versions()

    # --- workflow -------------------------------------------------------------------------------
    def move(self, status: str, scheduled_at: str | None = None) -> None:
        """Asks the gateway to move the item; a refusal comes back with the API's reason, and the
        item is read again so the buttons show the moves that are legal now."""
        item = self.item
        if item is None:
            self.sig_move_refused.emit("", "Save the post first.")
            return

        def refused(error: BaseException) -> None:
            self._saving = False
            self.sig_move_refused.emit(*_error_words(error))
            self.open(item.id)

        self._saving = True
        self._call(lambda client: client.content.transition(item.id, status, scheduled_at),
                   lambda record: self._on_saved(record, False), refused, key=self._keys["save"],
                   description=f"move a post to {status}")

    # --- versions -------------------------------------------------------------------------------
    def load_versions(self) -> None:
        item = self.item
        if item is None:
            return
        self._call(lambda client: client.content.versions(item.id),
                   lambda records: self.sig_versions_loaded.emit([version_from_api(r) for r in records]),
                   lambda error: self.sig_save_failed.emit(*_error_words(error)),
                   key=self._keys["item"] + "-versions", description="load versions")

    def restore(self, version: ContentVersion) -> None:
        """Makes an old version's text current again (as a new version: history is never rewritten)."""
        self.save({"title": version.title, "body": version.body})

    # --- live score -----------------------------------------------------------------------------
    def score(self, text: str, channel: str, keyphrase: str = "", brand_id: int | None = None) -> None:
        """Scores the text now; a newer call supersedes an older one still on its way."""
        rule = channel_for(channel)
        if rule is None:
            self.sig_score_failed.emit(f"No scoring rules for the channel \u201c{channel}\u201d: pick one from the list.")
            return
        payload: dict[str, Any] = {"text": text, "channel": rule.key}
        if keyphrase.strip():
            payload["keyphrase"] = keyphrase.strip()
        if brand_id is not None:
            payload["brand_id"] = brand_id
        self._call(lambda client: self._score_remotely(client, payload),
                   lambda result: self.sig_score_updated.emit(score_from_api(result)),
                   lambda error: self.sig_score_failed.emit(Problem.from_error(error).message),
                   key=self._keys["score"], description="score a post")

    @staticmethod
    def _score_remotely(client, payload: dict[str, Any]) -> Any:
        """THE one place that asks the gateway for a score (runs on a worker): the synchronous
        `POST /api/v1/score`, which stores nothing (no job row per pause in typing)."""
        return client.score(payload["text"], payload["channel"], keyphrase=payload.get("keyphrase"),
                            brand_id=payload.get("brand_id"))

    # --- drafting with AI -----------------------------------------------------------------------
    def draft(self, brief: str, channel: str, brand_id: int | None, campaign_id: int | None = None,
              keyphrase: str = "", offline: bool = False) -> None:
        """Runs a `draft` job; its text becomes the item's new version. `offline` asks for the
        agent's templates instead of the AI model."""
        if self.item is None:
            self.sig_draft_failed.emit("", "Save the post first: a draft becomes a new version of it.")
            return
        rule = channel_for(channel)
        if rule is None:
            self.sig_draft_failed.emit("channel", "Pick a channel from the list: the draft is written for it.")
            return
        if brand_id is None:
            self.sig_draft_failed.emit("brand_id", "Pick a brand: a draft is written in a brand's voice.")
            return
        payload: dict[str, Any] = {"brief": brief, "channel": rule.key, "brand_id": brand_id}
        if campaign_id is not None:
            payload["campaign_id"] = campaign_id
        if keyphrase.strip():
            payload["keyphrase"] = keyphrase.strip()
        if offline:
            payload["provider"] = "template"
        self._stop_following()
        self._draft_generation += 1
        generation = self._draft_generation
        self._call(lambda client: client.submit_job("draft", payload),
                   lambda job: self._on_draft_submitted(generation, job),
                   lambda error: self.sig_draft_failed.emit(*_error_words(error)),
                   key=self._keys["draft"], description="start a draft")

    def cancel_draft(self) -> None:
        """Stops waiting for the draft: its result will not become a version."""
        self._draft_generation += 1
        self._stop_following()
        job_id, self._draft_job_id = self._draft_job_id, None
        if job_id is not None:
            self._cancel_job(job_id)
        self.sig_draft_cancelled.emit()

    def _cancel_job(self, job_id: int) -> None:
        """Tells the gateway, which stops the agent's task; a job that finished meanwhile is a 409,
        and its result is dropped all the same."""
        self._call(lambda client: client.cancel_job(job_id), None, lambda error: None, description="cancel a draft")

    def _on_draft_submitted(self, generation: int, job: Any) -> None:
        job_id = job.id
        if generation != self._draft_generation:  # cancelled while it was being submitted
            self._cancel_job(job_id)
            return
        self._draft_job_id = job_id
        self.sig_draft_progressed.emit(0.0, "queued")
        self._draft_follower = self.session.follow_job(
            job_id, lambda job: isValid(self) and self._on_draft_event(job),
            lambda final: isValid(self) and self._on_draft_ended(generation, final),
            lambda error: isValid(self) and self._on_draft_broken(generation, error))

    def _on_draft_event(self, job: Any) -> None:
        if job.status not in ("done", "failed"):
            self.sig_draft_progressed.emit(job.progress, job.step or job.status)

    def _on_draft_ended(self, generation: int, job: Any) -> None:
        if generation != self._draft_generation:
            return
        self._draft_follower, self._draft_job_id = None, None
        if job.status != "done":
            self.sig_draft_failed.emit(*_in_words(Problem.from_job_error(job.error)))
            return
        outcome = draft_from_api(job.result_record())
        item = self.item
        self._call(lambda client: client.content.update(item.id, body=outcome.text),
                   lambda record: self._on_draft_saved(record, outcome),
                   lambda error: self.sig_draft_failed.emit(*_error_words(error)),
                   key=self._keys["save"], description="save the draft")

    def _on_draft_saved(self, record: Any, outcome) -> None:
        self._on_saved(record, False)
        self.sig_draft_finished.emit(outcome)

    def _on_draft_broken(self, generation: int, error: BaseException) -> None:
        """The job failed (JobFailed carries its error) or its stream broke off."""
        if generation == self._draft_generation:
            self._draft_follower, self._draft_job_id = None, None
            self.sig_draft_failed.emit(*_error_words(error))   # a JobFailed is worded from the job's error

    def _stop_following(self) -> None:
        if self._draft_follower is not None:
            self._draft_follower.cancel()
            self._draft_follower = None

    # --- UTM links ------------------------------------------------------------------------------
    def build_utm(self, url: str, source: str, medium: str, campaign: str, term: str = "", content: str = "") -> None:
        """Tags the link with the agent's `utm` rules (one set of rules for the app and the API)."""
        payload = {"url": url.strip(), "source": source.strip(), "medium": medium.strip(), "campaign": campaign.strip()}
        payload.update({k: v.strip() for k, v in (("term", term), ("content", content)) if v.strip()})

        def tag(client) -> Any:
            return client.wait_job(client.submit_job("utm", payload).id, timeout=JOB_TIMEOUT_S).result_record()

        self._call(tag, lambda result: self.sig_utm_built.emit(result.url, list(result.warnings)),
                   lambda error: self.sig_utm_failed.emit(*_error_words(error)), key=self._keys["utm"],
                   description="tag a link")

    def close(self) -> None:
        """The editor went away: stop following its draft (the job itself is left to finish)."""
        self._draft_generation += 1
        self._stop_following()
        self.deliveries.stop()
