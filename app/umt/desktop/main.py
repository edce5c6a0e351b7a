"""`umt desktop` and the `umt-desktop` launcher: open the control center."""

from __future__ import annotations

import sys


def build(argv: list[str] | None = None):
    """The application and its composition root, not yet shown (the benchmark hooks in here)."""
    from PySide6.QtWidgets import QApplication

    qapp = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    qapp.setApplicationName("umt")
    qapp.setApplicationDisplayName("Ultimate Marketing Team")
    qapp.setDesktopFileName("umt")
    qapp.setStyle("Fusion")
    qapp.setQuitOnLastWindowClosed(False)  # the tray keeps the app alive; quitting is explicit

    from umt.desktop.app import DesktopApp
    from umt.settings import apply_data_folder, load_settings, settings_path

    settings_file = settings_path()
    settings = load_settings(settings_file)
    apply_data_folder(settings)
    desktop = DesktopApp(qapp, settings, settings_file=settings_file)
    desktop.sig_quit_finished.connect(qapp.quit)
    return qapp, desktop


def main() -> int:
    import signal

    from umt.qt_platform import check_platform

    # Before Qt tries: it would abort naming only the first library its platform plugin misses.
    platform = check_platform()
    if not platform.ok:
        print(f"umt: {platform.message}", file=sys.stderr)
        return 1
    qapp, desktop = build()
    # Ctrl-C in a terminal quits like the menu does (asking about the stack); Python sees the
    # signal at the next timer tick, since the controller's timer wakes the interpreter each second.
    signal.signal(signal.SIGINT, lambda *_: desktop.request_quit())
    desktop.start()
    return qapp.exec()


if __name__ == "__main__":
    sys.exit(main())
