"""The settings dialog. Limits and ports are checked by loading the stack with them, so a value is
accepted exactly when the loader that applies it accepts it; they apply at the next start. A
variable the environment sets wins over its saved value: its field shows that value, read-only.
The LLM API key goes to the OS keyring through the controller, never from the GUI thread."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from umt.desktop import autostart
from umt.desktop.controllers.settings import KeyChange, KeyState, SettingsController
from umt.desktop.theme import THEME_CHOICES
from umt.paths import data_dir
from umt.settings import BACKEND_CHOICES, BASE_IMAGE_VARIABLE, LIMIT_VARIABLES, LLM_VARIABLES, DesktopSettings, backup_folder

_BACKEND_WORDS = {
    "auto": "Automatic: Docker when it runs, else local processes",
    "docker": "Docker containers",
    "native": "Local processes (no Docker)",
}
_THEME_WORDS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


class SettingsDialog(QDialog):
    def __init__(self, settings: DesktopSettings, tray_available: bool, controller: SettingsController, parent=None):
        super().__init__(parent)
        self.setWindowTitle("umt — settings")
        self.setMinimumWidth(560)
        self._original = settings
        self.controller = controller
        self.key_state: KeyState | None = None   # None until the keyring answered
        defaults = controller.stack_defaults()
        self.from_environment = controller.set_in_environment()

        self.backend = QComboBox()
        for choice in BACKEND_CHOICES:
            self.backend.addItem(_BACKEND_WORDS[choice], choice)
        self.backend.setCurrentIndex(BACKEND_CHOICES.index(settings.backend))

        limits = QGroupBox("Limits and ports (applied at the next start)")
        grid = QGridLayout(limits)
        for column, heading in enumerate(("", "Memory", "CPUs", "Port"), start=0):
            grid.addWidget(QLabel(heading), 0, column)
        self.fields: dict[str, QLineEdit] = {}
        for row, (service, variables) in enumerate(LIMIT_VARIABLES.items(), start=1):
            grid.addWidget(QLabel(service.capitalize()), row, 0)
            for column, key in enumerate(("memory", "cpus", "port"), start=1):
                variable = variables[key]
                field = QLineEdit(settings.stack_variables.get(variable, ""))
                field.setPlaceholderText(defaults.get(variable, ""))
                field.setToolTip(f"{variable}; empty keeps the stack file's value")
                field.textEdited.connect(self._on_field_text_edited)
                self.fields[variable] = field
                grid.addWidget(field, row, column)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setProperty("role", "error")
        self.error.hide()
        grid.addWidget(self.error, len(LIMIT_VARIABLES) + 1, 0, 1, 4)

        self.base_image = QLineEdit(settings.stack_variables.get(BASE_IMAGE_VARIABLE, ""))
        self.base_image.setPlaceholderText(defaults.get(BASE_IMAGE_VARIABLE, ""))
        self.base_image.setToolTip(
            f"{BASE_IMAGE_VARIABLE}: the Python image Docker builds the services' image from; applied at the next "
            "start. Offline, choose an image this machine already has; empty keeps the stack file's."
        )
        self.fields[BASE_IMAGE_VARIABLE] = self.base_image

        drafting = self._drafting_group(settings)
        backups = self._backups_group(settings)
        self.environment_note = QLabel()
        self.environment_note.setProperty("role", "muted")
        self.environment_note.setWordWrap(True)
        self._show_environment()

        self.start_stack_on_open = QCheckBox("Start the stack when the app opens")
        self.start_stack_on_open.setChecked(settings.start_stack_on_open)
        self.start_at_login = QCheckBox("Open umt when I log in")
        self.start_at_login.setChecked(settings.start_at_login and autostart.supported())
        self.login_note = QLabel("" if autostart.supported() else autostart.unsupported_message())
        self.login_note.setProperty("role", "muted")
        self.login_note.setWordWrap(True)
        self.login_note.setVisible(not autostart.supported())
        self.start_at_login.setEnabled(autostart.supported())
        self.close_to_tray = QCheckBox("Closing the window keeps the stack running in the tray")
        self.close_to_tray.setChecked(settings.close_to_tray)
        if not tray_available:
            self.close_to_tray.setEnabled(False)
            self.close_to_tray.setToolTip("This desktop has no system tray: closing the window quits umt.")

        self.data_folder = QLineEdit(settings.data_folder)
        self.data_folder.setToolTip("Where the services keep their data; applies the next time umt opens. UMT_DATA_DIR, when set, wins.")
        self.data_folder.setPlaceholderText(str(data_dir()))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_browse_clicked)
        folder = QHBoxLayout()
        folder.addWidget(self.data_folder, 1)
        folder.addWidget(browse)

        self.theme = QComboBox()
        for choice in THEME_CHOICES:
            self.theme.addItem(_THEME_WORDS[choice], choice)
        self.theme.setCurrentIndex(THEME_CHOICES.index(settings.theme) if settings.theme in THEME_CHOICES else 0)

        form = QFormLayout()
        form.addRow("Run the services with", self.backend)
        form.addRow("Docker base image", self.base_image)
        form.addRow("Data folder", folder)
        form.addRow("Theme", self.theme)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(limits)
        layout.addWidget(drafting)
        layout.addWidget(backups)
        layout.addWidget(self.environment_note)
        for widget in (self.start_stack_on_open, self.start_at_login, self.login_note, self.close_to_tray):
            layout.addWidget(widget)
        layout.addWidget(buttons)

    def _drafting_group(self, settings: DesktopSettings) -> QGroupBox:
        """An OpenAI-compatible endpoint for drafts (Ollama, LM Studio, llama.cpp, a hosted
        provider). Its key goes to the OS keyring, never to the settings file."""
        group = QGroupBox("Drafting with a language model (applied at the next start)")
        form = QFormLayout(group)
        placeholders = {"UMT_LLM_BASE_URL": "http://127.0.0.1:11434/v1  (empty: offline template drafts)",
                        "UMT_LLM_MODEL": "llama3.2"}
        for label, variable in zip(("Endpoint", "Model"), LLM_VARIABLES):
            field = QLineEdit(settings.stack_variables.get(variable, ""))
            field.setPlaceholderText(placeholders[variable])
            self.fields[variable] = field
            form.addRow(label, field)
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("checking the keyring…")
        self.forget_key = QCheckBox("Remove the stored key")
        self.forget_key.setVisible(False)
        keys = QHBoxLayout()
        keys.addWidget(self.api_key, 1)
        keys.addWidget(self.forget_key)
        form.addRow("API key", keys)
        self.storage = QLabel()
        self.storage.setProperty("role", "muted")
        self.storage.setWordWrap(True)
        form.addRow("", self.storage)
        self.controller.load_key_state(self._on_controller_key_state_loaded, self._on_controller_key_state_failed)
        return group

    def _backups_group(self, settings: DesktopSettings) -> QGroupBox:
        """Where backups go, and the daily automatic one with how many are kept."""
        group = QGroupBox("Backups")
        form = QFormLayout(group)
        self.backup_folder = QLineEdit(settings.backup_folder)
        self.backup_folder.setPlaceholderText(str(backup_folder(DesktopSettings())))
        self.backup_folder.setToolTip("Where backups are written; a folder on another disk keeps them safe from this one.")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_backup_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.backup_folder, 1)
        row.addWidget(browse)
        form.addRow("Folder", row)
        self.daily_backups = QCheckBox("Back up automatically once a day while the stack runs")
        self.daily_backups.setChecked(settings.daily_backups)
        form.addRow(self.daily_backups)
        self.keep_daily = QSpinBox()
        self.keep_daily.setRange(1, 365)
        self.keep_daily.setValue(max(1, settings.backups_keep_daily))
        self.keep_weekly = QSpinBox()
        self.keep_weekly.setRange(0, 520)
        self.keep_weekly.setValue(max(0, settings.backups_keep_weekly))
        keep = QHBoxLayout()
        keep.addWidget(QLabel("the last"))
        keep.addWidget(self.keep_daily)
        keep.addWidget(QLabel("days and"))
        keep.addWidget(self.keep_weekly)
        keep.addWidget(QLabel("weeks"))
        keep.addStretch(1)
        form.addRow("Keep daily backups of", keep)
        return group

    def _on_backup_browse_clicked(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Backup folder", self.backup_folder.text() or self.backup_folder.placeholderText())
        if chosen:
            self.backup_folder.setText(chosen)

    def _show_environment(self) -> None:
        """Fields the environment sets show its value, read-only: the environment wins."""
        for variable, value in self.from_environment.items():
            field = self.fields.get(variable)
            if field is not None:
                field.setText(value)
                field.setEnabled(False)
                field.setToolTip(f"{variable} is set in the environment umt was started with; it wins over a saved value.")
        names = ", ".join(sorted(v for v in self.from_environment if v in self.fields))
        self.environment_note.setText(f"Set in the environment, which wins over these settings: {names}." if names else "")
        self.environment_note.setVisible(bool(names))

    def _on_controller_key_state_loaded(self, state: KeyState) -> None:
        self.key_state = state
        self.api_key.setPlaceholderText("a key is stored; type to replace it" if state.stored else "none (local models need none)")
        self.forget_key.setVisible(state.stored)
        self._show_storage(state.storage)

    def _show_storage(self, text: str) -> None:
        """The text arrives after the dialog was laid out: it gets the height its lines need."""
        self.storage.setText(text)
        self.storage.setMinimumHeight(self.storage.heightForWidth(max(self.storage.width(), 300)))

    def _on_controller_key_state_failed(self, exc: BaseException) -> None:
        self.api_key.setPlaceholderText("type a key to store it")
        self._show_storage(f"The keyring could not be read: {exc}")

    def key_change(self) -> KeyChange:
        """What the dialog asks for the key; an untouched field changes nothing."""
        if self.forget_key.isChecked():
            return KeyChange("delete")
        if self.api_key.text().strip():
            return KeyChange("set", self.api_key.text().strip())
        return KeyChange()

    def settings(self) -> DesktopSettings:
        """The settings as the dialog shows them now."""
        variables = {variable: field.text().strip() for variable, field in self.fields.items() if field.isEnabled() and field.text().strip()}
        for variable in self.from_environment:   # a saved value under the environment's is kept, not lost
            if variable in self._original.stack_variables:
                variables[variable] = self._original.stack_variables[variable]
        return self._original.with_changes(
            backend=self.backend.currentData(),
            stack_variables=variables,
            start_stack_on_open=self.start_stack_on_open.isChecked(),
            start_at_login=self.start_at_login.isChecked(),
            close_to_tray=self.close_to_tray.isChecked(),
            data_folder=self.data_folder.text().strip(),
            theme=self.theme.currentData(),
            backup_folder=self.backup_folder.text().strip(),
            daily_backups=self.daily_backups.isChecked(),
            backups_keep_daily=self.keep_daily.value(),
            backups_keep_weekly=self.keep_weekly.value(),
        )

    def validate(self) -> str | None:
        """The loader's message when the limits or ports cannot be used, else None."""
        return self.controller.validate(self.settings())

    def accept(self) -> None:
        problem = self.validate()
        if problem:
            self._show_error(problem)
            return
        self.controller.change_key(self.key_change())
        super().accept()

    def _show_error(self, text: str) -> None:
        """The message arrives after layout: the label gets the height its wrapped lines need and
        the dialog grows to hold it, so no line is cut off."""
        self.error.setText(text)
        self.error.show()
        self.layout().activate()   # the label's width in the laid-out dialog
        self.error.setMinimumHeight(self.error.heightForWidth(self.error.width()))
        self.adjustSize()

    def _on_field_text_edited(self, _text: str) -> None:
        self.error.hide()

    def _on_browse_clicked(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Data folder", self.data_folder.text() or str(data_dir()))
        if chosen:
            self.data_folder.setText(chosen)

