"""The desktop app against a server over TLS: the real gateway (and agent) served by uvicorn with a
certificate from a test authority (trustme). Connect through the dialog, a certificate that is not
trusted refused in plain words, a pinned one accepted; the control center shows the server's
health read-only; sign-in with 2FA as on the laptop; a brand saved on the server; back again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import free_port
from tests.gateway.servers import ThreadedServer
from umt.client import GatewayClient, UntrustedCertificate
from umt.settings import load_settings

from .session_fixtures import set_up_owner

CLICK = Qt.MouseButton.LeftButton
RENDER = Path(os.environ.get("UMT_RENDER_DIR", "")) if os.environ.get("UMT_RENDER_DIR") else None


class TlsServer:
    def __init__(self, url: str, ca_file: str, other_ca_file: str, owner, pem_file: str) -> None:
        self.url, self.ca_file, self.other_ca_file, self.owner = url, ca_file, other_ca_file, owner
        self.pem_file = pem_file    # the server's key and certificate chain


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The real gateway serving https on loopback (its certificate for localhost and 127.0.0.1,
    from a test authority), the real agent behind it, the owner set up with 2FA."""
    import trustme

    from umt.agent.app import create_app as create_agent
    from umt.agent.settings import AgentSettings
    from umt.gateway.app import create_app
    from umt.gateway.settings import GatewaySettings

    folder = tmp_path_factory.mktemp("tls-server")
    authority, stranger = trustme.CA(), trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    certificate.private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    stranger.cert_pem.write_to_path(str(folder / "stranger-ca.pem"))
    secrets = folder / "secrets"
    secrets.mkdir()
    (secrets / "gateway_signing_key").write_text("s" * 43)
    (secrets / "channel_key").write_text("c" * 43)      # module-scoped: before the autouse UMT_CHANNEL_KEY
    agent = ThreadedServer(create_agent(AgentSettings()), free_port()).start()
    settings = GatewaySettings(data_dir=folder / "data", agent_url=agent.url, secrets_dir=secrets)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("UMT_SIGNING_KEY", raising=False)
        patch.delenv("UMT_CHANNEL_KEY", raising=False)
        gateway = ThreadedServer(create_app(settings), free_port(), ssl_certfile=str(folder / "server.pem")).start()
    url = f"https://localhost:{gateway.port}"
    try:
        yield TlsServer(url, str(folder / "ca.pem"), str(folder / "stranger-ca.pem"),
                        set_up_owner(url, verify=str(folder / "ca.pem")), str(folder / "server.pem"))
    finally:
        gateway.stop()
        agent.stop()


def _save(widget, name: str) -> None:
    if RENDER is not None:
        RENDER.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(RENDER / name))


def test_the_client_refuses_an_untrusted_certificate_in_plain_words(tls_server):
    for verify in (True, tls_server.other_ca_file):
        with GatewayClient(tls_server.url, verify=verify) as client:
            with pytest.raises(UntrustedCertificate) as refused:
                client.health()
        assert str(refused.value.message).startswith("The server's certificate is not trusted: certificate verify failed")
        assert "HTTPSConnectionPool" not in refused.value.message
    with GatewayClient(tls_server.url, verify=tls_server.ca_file) as client:
        assert client.health()["status"] == "ok"


def test_connect_sign_in_with_2fa_and_work_on_the_server(qtbot, make_app, tls_server, memory_keyring):
    app = make_app()
    app.start()
    window = app.window
    window.resize(1100, 720)
    dialog = app.open_server_dialog()
    qtbot.waitUntil(dialog.isVisible)
    address = tls_server.url.removeprefix("https://")
    qtbot.keyClicks(dialog.address, address)

    # The system's trust store does not know the test authority: refused, in plain words, nothing lost.
    assert dialog.system_trust.isChecked() and not dialog.certificate.isEnabled()
    qtbot.mouseClick(dialog.connect_button, CLICK)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=15000)
    assert dialog.error.text().startswith("The server's certificate is not trusted: certificate verify failed")
    assert dialog.address.text() == address and dialog.isVisible() and not app.session.on_server

    # Another authority's certificate pinned: refused as well.
    dialog.pinned_trust.setChecked(True)
    dialog.certificate.setText(tls_server.other_ca_file)
    qtbot.mouseClick(dialog.connect_button, CLICK)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=15000)
    assert dialog.error.isVisible() and "not trusted" in dialog.error.text()
    _save(dialog, "connect-server-refused.png")

    # The server's own authority pinned: connected; the control center shows its health only.
    dialog.certificate.setText(tls_server.ca_file)
    qtbot.mouseClick(dialog.connect_button, CLICK)
    qtbot.waitUntil(lambda: app.server_dialog is None, timeout=15000)   # closed (and deleted)
    center = window.control_center
    qtbot.waitUntil(lambda: center.server_card.isVisible(), timeout=5000)
    card = center.server_card
    assert not center.local.isVisible() and not center.stack_control.isVisible()
    assert card.title.text() == "Connected to the server" and card.address.text() == tls_server.url
    assert card.trust.text() == tls_server.ca_file
    checks = {card.checks.itemAt(row, card.checks.ItemRole.LabelRole).widget().text():
              card.checks.itemAt(row, card.checks.ItemRole.FieldRole).widget().text()
              for row in range(card.checks.rowCount())}
    assert checks == {"Database": "OK", "Agent": "OK"}
    assert not any(button.text() in ("Start", "Stop") for button in card.findChildren(type(dialog.connect_button)))
    assert not window.start_action.isVisible() and not window.stop_action.isVisible()
    assert window.backend_note.text() == f"Server mode: the services run on {tls_server.url}."
    saved = load_settings(app.settings_file)
    assert (saved.server_url, saved.server_certificate) == (tls_server.url, tls_server.ca_file)
    _save(window, "control-center-server.png")

    # Sign in as on the laptop: the same sign-in page, password then a code from the phone.
    window.show_section("brands")
    page = app.sign_in_page
    qtbot.waitUntil(lambda: page.isVisible() and page.pages.currentIndex() == page.SIGN_IN, timeout=15000)
    form, owner = page.form, tls_server.owner
    qtbot.keyClicks(form.email, owner.email)
    qtbot.keyClicks(form.password, owner.password)
    qtbot.waitUntil(form.remember.isEnabled, timeout=5000)
    form.remember.setChecked(True)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.steps.currentIndex() == form.CODE_STEP, timeout=15000)
    qtbot.keyClicks(form.code, owner.authenticator.code(qtbot.waitUntil))
    qtbot.mouseClick(form.verify_button, CLICK)
    brands = window.page("brands")
    qtbot.waitUntil(lambda: brands.showing_page, timeout=15000)
    # Remembered for this server only: the token never goes to another gateway.
    server_entry = ("umt", f"remembered_session@{tls_server.url}")
    qtbot.waitUntil(lambda: server_entry in memory_keyring.items, timeout=5000)
    assert ("umt", "remembered_session") not in memory_keyring.items

    # The workspace works the same: a brand saved on the page is on the server.
    editor = brands.page
    qtbot.keyClicks(editor.name, "Served over TLS")
    qtbot.mouseClick(editor.save_button, CLICK)
    qtbot.waitUntil(lambda: editor.current_id is not None, timeout=15000)
    with GatewayClient(tls_server.url, app.session.client.token, verify=tls_server.ca_file) as client:
        assert client.brands.get(editor.current_id).name == "Served over TLS"
        client.logout()

    # Back to this computer's stack: the card goes, the local control returns, the setting is cleared.
    window.show_section("control_center")
    qtbot.mouseClick(card.disconnect_button, CLICK)
    qtbot.waitUntil(lambda: center.local.isVisible(), timeout=5000)
    assert not card.isVisible() and not app.session.on_server and window.start_action.isVisible()
    assert window.backend_note.text() == "Fake mode: test services."
    assert load_settings(app.settings_file).server_url == ""


def test_the_server_from_last_time_is_connected_at_start(qtbot, make_app, desktop_settings, tls_server):
    app = make_app(settings=desktop_settings.with_changes(server_url=tls_server.url,
                                                           server_certificate=tls_server.ca_file))
    app.start()
    center = app.window.control_center
    qtbot.waitUntil(lambda: center.server_card.isVisible(), timeout=15000)
    assert app.session.on_server and app.session.state.gateway_url == tls_server.url
    assert app.controller.backend is None      # this computer's stack was not opened


def test_a_server_from_last_time_that_is_not_trusted_asks_again(qtbot, make_app, desktop_settings, tls_server):
    app = make_app(settings=desktop_settings.with_changes(server_url=tls_server.url,
                                                           server_certificate=tls_server.other_ca_file))
    app.start()
    qtbot.waitUntil(lambda: app.server_dialog is not None and app.server_dialog.error.isVisible(), timeout=15000)
    dialog = app.server_dialog
    assert dialog.error.text().startswith("The server's certificate is not trusted: ")
    assert dialog.address.text() == tls_server.url and dialog.certificate.text() == tls_server.other_ca_file
    assert not app.session.on_server and not app.window.control_center.server_card.isVisible()


@pytest.mark.parametrize(("typed", "expected"), [
    ("umt.example.com", "https://umt.example.com"),
    (" https://umt.example.com:8443/ ", "https://umt.example.com:8443"),
    ("http://umt.example.com", "The address must start with https://: the connection to a server is always encrypted."),
    ("", "Enter the server's address, for example https://umt.example.com."),
    ("https://umt.example.com/api", "Enter the server's address only, for example https://umt.example.com:8443."),
    ("umt.example.com:99999", "The port in the address is not a number from 1 to 65535."),
])
def test_the_address_is_https_and_only_an_address(typed, expected):
    from umt.desktop.controllers.server import server_address

    if expected.startswith("https://"):
        assert server_address(typed) == expected
    else:
        with pytest.raises(ValueError) as refused:
            server_address(typed)
        assert str(refused.value) == expected


def test_a_plain_http_address_is_refused_in_the_dialog_and_nothing_is_lost(qtbot, make_app, tmp_path):
    app = make_app()
    app.start()
    dialog = app.open_server_dialog()
    qtbot.keyClicks(dialog.address, "http://umt.example.com")
    missing = str(tmp_path / "nowhere.pem")
    qtbot.mouseClick(dialog.connect_button, CLICK)
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
    assert "https://" in dialog.error.text() and dialog.address.text() == "http://umt.example.com"
    dialog.address.setText("umt.example.com")
    dialog.pinned_trust.setChecked(True)
    dialog.certificate.setText(missing)
    qtbot.mouseClick(dialog.connect_button, CLICK)
    qtbot.waitUntil(lambda: dialog.error.text() == f"The certificate file {missing} does not exist.", timeout=5000)
    assert dialog.connect_button.isEnabled() and not app.session.on_server


def test_the_health_card_says_what_a_degraded_server_still_does(qtbot):
    """/ready's "degraded" (the agent down, the data up), as the ServerController reads it."""
    from umt.desktop.controllers.server import _health
    from umt.desktop.widgets.server_health import ServerHealthCard

    card = ServerHealthCard()
    qtbot.addWidget(card)
    card.resize(760, 220)
    health = _health("https://umt.example.com", "", {"status": "degraded",
                                                     "checks": {"database": "ok", "agent": "unreachable"}}, "0.1.0")
    card.show_health(health)
    card.show()
    assert card.title.text() == "Connected, with a service down"
    assert card.detail.text() == ("The server's agent does not answer: your data works, drafts, scores and other jobs "
                                  "wait until it is back.")
    assert card.trust.text() == "the system's trust store"
    rows = {card.checks.itemAt(row, card.checks.ItemRole.LabelRole).widget().text():
            card.checks.itemAt(row, card.checks.ItemRole.FieldRole).widget().text()
            for row in range(card.checks.rowCount())}
    assert rows == {"Database": "OK", "Agent": "unreachable"}
    _save(card, "server-health-degraded.png")


def test_an_address_where_nothing_or_no_umt_server_answers(qtbot, make_app, tls_server):
    app = make_app()
    dialog = app.open_server_dialog()
    qtbot.keyClicks(dialog.address, f"localhost:{free_port()}")
    qtbot.mouseClick(dialog.connect_button, CLICK)
    qtbot.waitUntil(dialog.error.isVisible, timeout=15000)
    assert dialog.error.text() == ("The server does not answer at this address. "
                                   "Check the address and that the server runs.")

    # Something answers over trusted TLS, but not as a umt gateway does (here: the agent).
    from umt.agent.app import create_app as create_agent
    from umt.agent.settings import AgentSettings

    other = ThreadedServer(create_agent(AgentSettings()), free_port(), ssl_certfile=tls_server.pem_file).start()
    try:
        dialog.address.setText(f"localhost:{other.port}")
        dialog.pinned_trust.setChecked(True)
        dialog.certificate.setText(tls_server.ca_file)
        qtbot.mouseClick(dialog.connect_button, CLICK)
        qtbot.waitUntil(lambda: dialog.error.text().startswith("No umt server answers at this address: "),
                        timeout=15000)
    finally:
        other.stop()
    assert not app.session.on_server
