"""The real app with a real workspace, for the render script and the workspace benchmark: a native
stack of its own in a temporary folder (own data, stack name, ports, keyring file), the owner set
up through the setup wizard's widgets with 2FA codes from pyotp, signed in through the session,
and the workspace filled with umt.demo's sample data through "Try with sample data".

    from workspace_app import isolate, WorkspaceApp     # tools/ on sys.path

Call isolate(folder) before Qt or umt is imported; it sets the environment the stack reads."""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path
from typing import Callable

OWNER = {"name": "Ada Owner", "email": "owner@crumb.example", "password": "rye and sourdough at dawn"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def isolate(folder: Path) -> None:
    """A private stack in `folder`: nothing of the user's data, keyring or running stacks is touched."""
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["UMT_DATA_DIR"] = str(folder / "umt-data")
    os.environ["UMT_STACK_NAME"] = f"umt-ws-{uuid.uuid4().hex[:8]}"
    os.environ["UMT_GATEWAY_PORT"] = str(_free_port())
    os.environ["UMT_AGENT_PORT"] = str(_free_port())
    os.environ["XDG_DATA_HOME"] = str(folder / "xdg-data")
    os.environ["XDG_CONFIG_HOME"] = str(folder / "xdg-config")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Runs the Qt event loop until `condition()` holds; raises TimeoutError naming `what`."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout_s:.0f} s")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def settle(seconds: float) -> None:
    """Lets the event loop run for a while (pages loading, charts drawing)."""
    end = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() >= end, seconds + 5, "the window to settle")


class WorkspaceApp:
    """The DesktopApp on a native stack it starts itself (as an owner's first launch does)."""

    def __init__(self, theme: str = "light") -> None:
        import sys

        from PySide6.QtWidgets import QApplication

        from umt.desktop.app import QUIT_STOP, DesktopApp
        from umt.settings import DesktopSettings

        self.qapp = QApplication.instance() or QApplication(sys.argv[:1])
        self.qapp.setStyle("Fusion")
        self.app = DesktopApp(self.qapp, settings=DesktopSettings(backend="native", close_to_tray=False, theme=theme,
                                                                  start_stack_on_open=True),
                              tray_available=False, ask_quit=lambda: QUIT_STOP)
        self.app.window.resize(1280, 820)
        self.totp_secret = ""
        self.recovery_codes: list[str] = []
        self._last_step = 0

    # --- first launch ---------------------------------------------------------------------------
    def start(self, timeout_s: float = 120) -> None:
        """Shows the window and starts the stack; returns when the gateway asks for the owner."""
        self.app.start()
        wait_until(lambda: self.app.session.state.setup_required is not None, timeout_s, "the stack to start")

    def set_up_owner(self, on_step: Callable[[str], None] = lambda step: None) -> None:
        """Through the setup wizard's widgets: account, 2FA with a code from pyotp, recovery codes.
        on_step(name) is called at each step, with the step on screen (for pictures)."""
        self.app.window.show_section("brands")
        wizard = self.app.sign_in_page.wizard
        wait_until(lambda: wizard.isVisible(), 10, "the setup wizard")
        wizard.name.setText(OWNER["name"])
        wizard.email.setText(OWNER["email"])
        wizard.password.setText(OWNER["password"])
        wizard.repeat.setText(OWNER["password"])
        on_step("setup-1-account")
        wizard.create_button.click()
        wait_until(lambda: bool(getattr(wizard, "secret", "")), 20, "the 2FA enrolment")
        self.totp_secret = wizard.secret
        wizard.code.setText(self._code())
        on_step("setup-2-two-factor")
        wizard.confirm_button.click()
        wait_until(lambda: wizard.step == wizard.CODES, 20, "the recovery codes")
        self.recovery_codes = list(wizard.codes.codes)
        on_step("setup-3-recovery-codes")
        wizard.stored.setChecked(True)
        wizard.finish_button.click()
        wait_until(lambda: self.app.session.state.signed_in, 20, "the owner to be signed in")

    def sign_out(self) -> None:
        self.app.account.sign_out()
        wait_until(lambda: not self.app.session.state.signed_in, 20, "signing out")

    def sign_in(self, on_step: Callable[[str], None] = lambda step: None) -> None:
        """Through the sign-in form's widgets: email and password, then a code."""
        form = self.app.sign_in_page.form
        wait_until(lambda: form.isVisible(), 10, "the sign-in form")
        form.email.setText(OWNER["email"])
        form.password.setText(OWNER["password"])
        on_step("sign-in")
        needs_code: list[bool] = []
        self.app.account.sign_in(OWNER["email"], OWNER["password"], False, needs_code.append, self._fail)
        wait_until(lambda: needs_code == [True], 20, "the second-factor step")
        self.app.account.second_factor(lambda _: None, self._fail, code=self._code())
        wait_until(lambda: self.app.session.state.signed_in, 20, "signing in")

    def fill_sample_data(self, on_progress: Callable[[float, str], None] = lambda fraction, step: None) -> None:
        """"Try with sample data", as the empty Brands page offers it (the session's one controller)."""
        from umt.desktop.controllers.sample_data import SampleDataController

        self.app.window.show_section("brands")
        gated = self.app.window.page("brands")   # shows the Brands page once signed in
        wait_until(lambda: getattr(gated, "page", None) is not None and gated.page.sample_button.isVisible(), 20,
                   "the offer of sample data")
        page = gated.page
        sample = SampleDataController.for_session(self.app.session)
        done: list[object] = []
        sample.sig_progressed.connect(on_progress)
        sample.sig_filled.connect(done.append)
        sample.sig_fill_failed.connect(done.append)
        page.sample_button.click()
        wait_until(lambda: bool(done), 120, "the sample data")
        if not hasattr(done[0], "posts"):
            raise RuntimeError(f"sample data failed: {done[0]}")

    def quit(self, timeout_s: float = 60) -> None:
        """Quits the app, stopping the stack."""
        finished: list[bool] = []
        self.app.sig_quit_finished.connect(lambda: finished.append(True))
        self.app.request_quit()
        wait_until(lambda: bool(finished), timeout_s, "the app to quit and the stack to stop")

    def _code(self) -> str:
        """A TOTP code for a 30-second step the gateway has not seen used (it allows one step of drift)."""
        import pyotp

        step = max(self._last_step + 1, int(time.time() // 30))
        self._last_step = step
        return pyotp.TOTP(self.totp_secret).at(step * 30)

    @staticmethod
    def _fail(problem) -> None:
        raise RuntimeError(f"signing in failed: {problem.message}")
