"""The Channels section's controller: the connected accounts and the kinds the gateway can connect,
connect (the gateway tests the connection first), test, reconnect with new credentials,
disconnect, and an email account's recipients.

Everything goes through the SessionController (`call`). Credentials pass through here once, on
their way to the gateway, and are kept nowhere: no signal carries them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from umt.contract.publishing import ChannelAccountInput, ChannelAccountPatch, RecipientInput
from umt.desktop.controllers.content import call_while_alive
from umt.desktop.controllers.problem import Problem
from umt.desktop.models.publishing import kind_from_api

RECIPIENTS_LIMIT = 500      # one page (the API's most): a small business's newsletter list


class ChannelsController(QObject):
    sig_accounts_loaded = Signal(list)
    """The connected accounts (ChannelAccount records), after a load."""

    sig_kinds_loaded = Signal(list)
    """The kinds the gateway can connect (models.publishing.ChannelKind), for the connect form."""

    sig_account_changed = Signal(object)
    """An account was connected, tested or reconnected: its record as the gateway holds it now."""

    sig_account_removed = Signal(int)
    """An account was disconnected (its id)."""

    sig_connect_finished = Signal(object)
    """Connect or Reconnect worked: the account (the dialog may close)."""

    sig_connect_failed = Signal(str, str)
    """Connect or Reconnect was refused: (field or "", the gateway's words). The dialog keeps what was typed."""

    sig_test_finished = Signal(int, bool, str)
    """A connection test answered: (account id, ok, the channel's words)."""

    sig_problem_raised = Signal(str)
    """Something else failed (a load, a disconnect): a sentence for the owner."""

    sig_recipients_loaded = Signal(int, list)
    """An email account's recipients: (account id, Recipient records)."""

    sig_recipients_failed = Signal(int, str)
    """Adding or removing recipients was refused: (account id, the reason)."""

    sig_notice_changed = Signal(str)
    """Why the section cannot show accounts now (stack stopped, signed out), or "" when it can."""

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.kinds: dict[str, Any] = {}
        session.sig_state_changed.connect(self._on_session_state_changed)

    def _call(self, fn, on_done=None, on_error=None, **kwargs) -> None:
        call_while_alive(self, self.session, fn, on_done, on_error, **kwargs)

    def _on_session_state_changed(self, state) -> None:
        if state.gateway_url is None:
            self.sig_notice_changed.emit(state.message or "The stack is stopped. Start it to see your channels.")
        elif not state.signed_in:
            self.sig_notice_changed.emit(state.message or "Sign in to see your channels.")
        else:
            self.sig_notice_changed.emit("")
            self.load()

    # --- the accounts -----------------------------------------------------------------------
    def load(self) -> None:
        """Reads the kinds and the accounts (one call, so the list can name each kind)."""
        if not self.session.state.signed_in:
            return      # the notice says why (sig_notice_changed); signing in loads them
        def both(client) -> tuple[list, list]:
            return [kind_from_api(k) for k in client.channel_kinds()], list(client.list_channels().items)

        self._call(both, self._on_loaded, self._failed, key="channels-list", description="list the channels")

    def _on_loaded(self, result: tuple[list, list]) -> None:
        kinds, accounts = result
        self.kinds = {kind.kind: kind for kind in kinds}
        self.sig_kinds_loaded.emit(kinds)
        self.sig_accounts_loaded.emit(accounts)

    def connect_account(self, kind: str, name: str, settings: dict[str, Any], credentials: dict[str, str]) -> None:
        """Connects a new account; the gateway tests the connection before it keeps anything."""
        try:
            account_input = ChannelAccountInput(kind=kind, name=name.strip(), settings=settings,
                                                credentials=credentials)
        except (ValueError, TypeError) as exc:     # the contract's own checks (an empty name)
            self.sig_connect_failed.emit(*_field_and_words(exc))
            return
        self._call(lambda client: client.create_channel(account_input), self._on_connected, self._on_connect_failed,
                   key="channels-connect", description="connect a channel")

    def reconnect(self, account_id: int, settings: dict[str, Any], credentials: dict[str, str]) -> None:
        """Gives an account new credentials (and settings); the gateway tests them and clears "needs reconnect"."""
        patch = ChannelAccountPatch(settings=settings, credentials=credentials)
        self._call(lambda client: client.update_channel(account_id, patch), self._on_connected,
                   self._on_connect_failed, key="channels-connect", description="reconnect a channel")

    def _on_connected(self, account: Any) -> None:
        self.sig_account_changed.emit(account)
        self.sig_connect_finished.emit(account)

    def _on_connect_failed(self, error: BaseException) -> None:
        problem = Problem.from_error(error)
        self.sig_connect_failed.emit(problem.field or "", problem.message)

    def test(self, account_id: int) -> None:
        """Asks the channel whether the stored credentials still work; the account's status follows."""
        def work(client) -> tuple[Any, Any]:
            result = client.test_channel(account_id)
            return result, client.get_channel(account_id)

        def done(answer: tuple[Any, Any]) -> None:
            result, account = answer
            self.sig_account_changed.emit(account)
            self.sig_test_finished.emit(account_id, result.ok, result.message)

        self._call(work, done, lambda error: self.sig_test_finished.emit(
            account_id, False, Problem.from_error(error).message), key=f"channels-test-{account_id}",
            description="test a channel")

    def disconnect(self, account_id: int) -> None:
        """Removes the account and its stored credentials."""
        self._call(lambda client: client.delete_channel(account_id),
                   lambda _none: self.sig_account_removed.emit(account_id), self._failed,
                   description="disconnect a channel")

    # --- recipients (email) ----------------------------------------------------------------
    def load_recipients(self, account_id: int) -> None:
        self._call(lambda client: list(client.list_recipients(account_id, limit=RECIPIENTS_LIMIT).items),
                   lambda records: self.sig_recipients_loaded.emit(account_id, records),
                   lambda error: self.sig_recipients_failed.emit(account_id, Problem.from_error(error).message),
                   key=f"channels-recipients-{account_id}", description="list the recipients")

    def add_recipients(self, account_id: int, people: list[tuple[str, str]]) -> None:
        """Adds (address, name) pairs (an address already on the list is kept once), then shows the list."""
        try:
            inputs = [RecipientInput(email=address, name=name) for address, name in people]
        except (ValueError, TypeError) as exc:
            self.sig_recipients_failed.emit(account_id, Problem.from_error(exc).message)
            return

        def work(client) -> list:
            return list(client.add_recipients(account_id, inputs))    # the whole list, as it is now

        self._call(work, lambda records: self.sig_recipients_loaded.emit(account_id, records),
                   lambda error: self.sig_recipients_failed.emit(account_id, Problem.from_error(error).message),
                   key=f"channels-recipients-{account_id}", description="add recipients")

    def remove_recipients(self, account_id: int, recipient_ids: list[int]) -> None:
        def work(client) -> list:
            for recipient_id in recipient_ids:
                client.remove_recipient(account_id, recipient_id)
            return list(client.list_recipients(account_id, limit=RECIPIENTS_LIMIT).items)

        self._call(work, lambda records: self.sig_recipients_loaded.emit(account_id, records),
                   lambda error: self.sig_recipients_failed.emit(account_id, Problem.from_error(error).message),
                   key=f"channels-recipients-{account_id}", description="remove recipients")

    def _failed(self, error: BaseException) -> None:
        self.sig_problem_raised.emit(Problem.from_error(error).message)


def _field_and_words(exc: BaseException) -> tuple[str, str]:
    problem = Problem.from_error(exc)
    return problem.field or "", problem.message
