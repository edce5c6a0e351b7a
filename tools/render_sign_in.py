#!/usr/bin/env python3
"""Renders every sign-in page and account dialog, light and dark, to PNGs, so anyone can look.

    python tools/render_sign_in.py bench/out/sign-in

The pages are shown as the session controller would show them (stack stopped, connecting, the
setup wizard's three steps, sign-in, the code step, a wrong code, a lockout) and the dialogs
(sign in again, change password, new recovery codes). No stack is started: the QR code and the
codes are made as the gateway makes them. Renders offscreen when there is no display."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write the pictures")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import pyotp
    from PySide6.QtWidgets import QApplication, QMainWindow

    from umt.desktop.controllers.account import AccountController, Enrolment
    from umt.desktop.controllers.problem import Problem
    from umt.desktop.controllers.session import SessionController, SessionState
    from umt.desktop.tasks import TaskManager
    from umt.desktop.theme import ThemeManager
    from umt.desktop.views.account_menu import ChangePasswordDialog, NewRecoveryCodesDialog
    from umt.desktop.views.sign_in_again import SignInAgainDialog
    from umt.desktop.views.sign_in_page import SignInPage

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setStyle("Fusion")
    themes = ThemeManager(qapp)
    args.folder.mkdir(parents=True, exist_ok=True)
    secret = pyotp.random_base32()
    enrolment = Enrolment(secret, pyotp.TOTP(secret).provisioning_uri(name="owner@example.com",
                                                                      issuer_name="Ultimate Marketing Team"))
    codes = [f"k7qd-3mx{i}-p2hf" for i in range(2, 10)] + ["a9cz-t4we-hh3m", "q2vb-8nrt-zz5k"]
    url = "http://127.0.0.1:8710"
    user = {"id": 1, "email": "owner@example.com", "name": "Ada Owner", "totp_enabled": True}
    written = []

    for theme in ("light", "dark"):
        themes.apply(theme)
        tasks = TaskManager()
        session = SessionController(tasks)
        account = AccountController(session)
        window = QMainWindow()
        page = SignInPage(session, account)
        window.setCentralWidget(page)
        window.resize(900, 640)
        window.show()

        def grab(name: str, widget=None) -> None:
            qapp.processEvents()
            path = args.folder / f"{name}-{theme}.png"
            (widget or window).grab().save(str(path))
            written.append(path)

        def state(**fields) -> None:
            page._on_session_state_changed(SessionState(**fields))

        grab("01-stack-stopped")
        state(gateway_url=None, setup_required=None, signed_in=False, user=None, message="The stack is starting…")
        grab("02-stack-starting")
        state(gateway_url=url, setup_required=True, signed_in=False, user=None,
              message="Create the owner account to begin.", remember_available=True)
        page.wizard.name.setText("Ada Owner")
        page.wizard.email.setText("owner@example.com")
        page.wizard.password.setText("rye and sourdough at dawn")
        page.wizard.repeat.setText("rye and sourdough at dawn")
        grab("03-setup-account")
        page.wizard._go(page.wizard.TWO_FACTOR)
        page.wizard.show_enrolment(enrolment)
        page.wizard._on_two_factor_problem(Problem("The code does not match; check the authenticator's clock.", "code"))
        grab("04-setup-two-factor")
        page.wizard.show_codes(codes)
        grab("05-setup-recovery-codes")
        page.wizard.reset()
        state(gateway_url=url, setup_required=False, signed_in=False, user=None, message="Sign in to continue.",
              remember_available=True)
        page.form.email.setText("owner@example.com")
        grab("06-sign-in")
        page.form._on_password_problem(Problem("Wrong email or password.", "password"))
        grab("07-sign-in-wrong-password")
        page.form._on_account_signed_in_step(True)
        page.form._on_code_problem(Problem("The code is wrong, expired or already used.", "code"))
        grab("08-code-wrong")
        page.form._use_recovery(True)
        page.form._on_code_problem(Problem("Too many failed sign-ins; try again in 30 s.", "password", 30.0, "locked"))
        grab("09-recovery-code-locked-out")

        session._state = SessionState(url, False, False, None, "", session_expired=True, remember_available=True)
        session.last_email = "owner@example.com"
        dialog = SignInAgainDialog(session, account, window)
        dialog.show()
        grab("10-sign-in-again", dialog)
        dialog.close()
        change = ChangePasswordDialog(account, user, window)
        change.new.setText("short")
        change.show()
        change._on_buttons_accepted()
        grab("11-change-password", change)
        change.close()
        new_codes = NewRecoveryCodesDialog(account, window)
        new_codes.show()
        grab("12-new-recovery-codes-ask", new_codes)
        new_codes.show_codes(codes)
        grab("13-new-recovery-codes-shown", new_codes)
        new_codes.close()
        window.close()

        # The main window: the Brands section while nobody is signed in, and the account menu.
        from umt.desktop.app import DesktopApp
        from umt.settings import DesktopSettings

        app = DesktopApp(qapp, settings=DesktopSettings(backend="native", close_to_tray=False, theme=theme),
                         tray_available=False, ask_quit=lambda: "leave")
        app.window.resize(1180, 780)
        app.window.show()
        app.window.show_section("brands")
        grab("14-window-brands-stack-stopped", app.window)
        app.session._set_state(SessionState(url, False, False, None, "Sign in to continue.", remember_available=True))
        app.sign_in_page.form.email.setText("owner@example.com")
        grab("15-window-brands-sign-in", app.window)
        app.session._set_state(SessionState(url, False, True, user))
        grab("16-window-brands-signed-in", app.window)
        app.window.quitting = True
        app.window.close()
    print("\n".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
