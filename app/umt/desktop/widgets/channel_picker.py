"""The composer's channel picker and its live character count against the channel's limit."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel

from umt.contract.channels import CHANNELS, channel_for, channel_length

# From this share of the limit on, the count turns amber: room is running out.
NEARLY_FULL = 0.9


class ChannelPicker(QComboBox):
    sig_channel_changed = Signal(str)
    """The owner picked another channel (its key)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Channel")
        for channel in CHANNELS.values():
            self.addItem(channel.label[:1].upper() + channel.label[1:], channel.key)
        self.currentIndexChanged.connect(self._on_self_current_index_changed)

    def channel(self) -> str:
        return self.currentData() or self.currentText()

    def set_channel(self, name: str) -> None:
        """Selects a channel by key or alias; a channel without rules is kept as typed."""
        rule = channel_for(name)
        key = rule.key if rule else name
        index = self.findData(key)
        if index < 0:
            self.addItem(name, name)
            index = self.count() - 1
        self.setCurrentIndex(index)

    def _on_self_current_index_changed(self, _index: int) -> None:
        self.sig_channel_changed.emit(self.channel())


class CharacterCount(QLabel):
    """"123 / 280" as the channel counts it (X counts links as 23); amber near the limit, red over it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Character count")
        self.length = 0
        self.limit: int | None = None

    def update_count(self, text: str, channel: str) -> None:
        rule = channel_for(channel)
        self.length = channel_length(text, rule) if rule else len(text)
        self.limit = rule.max_chars if rule else None
        if self.limit is None:
            self.setText(f"{self.length} characters")
            state = "ok"
        else:
            over = self.length - self.limit
            self.setText(f"{self.length} / {self.limit}" + (f" \u2014 {over} over" if over > 0 else ""))
            state = "over" if over > 0 else "near" if self.length >= NEARLY_FULL * self.limit else "ok"
        self.setToolTip("" if rule is None else f"A {rule.label} allows {rule.max_chars} characters"
                        + (" (links count as 23)" if rule.link_chars else ""))
        if self.property("count") != state:
            self.setProperty("count", state)
            self.style().unpolish(self)
            self.style().polish(self)
