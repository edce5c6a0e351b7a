"""A password strength meter: an estimate in bits, said in words, as the owner types.

The estimate counts what a guesser would try first as cheap: a common password or a word from the
owner's own name or email, runs of one character, and keyboard or alphabet sequences."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable

from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

MIN_LENGTH = 10      # the gateway's rule (routes_auth.PASSWORD)
LABELS = ("Too short", "Weak", "Fair", "Good", "Strong")
_COMMON = (
    "password", "passwort", "motdepasse", "123456", "qwerty", "azerty", "letmein", "welcome", "admin",
    "iloveyou", "monkey", "dragon", "sunshine", "princess", "football", "baseball", "master", "shadow",
    "secret", "login", "abc123", "trustno1", "marketing", "business", "company", "summer", "winter",
)
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm")


@dataclass(frozen=True)
class Strength:
    score: int          # 0 too short, 1 weak, 2 fair, 3 good, 4 strong
    bits: float
    advice: str

    @property
    def label(self) -> str:
        return LABELS[self.score]

    @property
    def acceptable(self) -> bool:
        return self.score >= 2


def estimate(password: str, hints: Iterable[str] = ()) -> Strength:
    """`hints` are words the owner's password should not lean on (their name, their email)."""
    if len(password) < MIN_LENGTH:
        return Strength(0, 0.0, f"use at least {MIN_LENGTH} characters ({len(password)} so far)")
    pool = _pool(password)
    lowered = password.lower()
    cheap = 0       # characters a guesser gets almost free
    words = list(_COMMON) + [h for hint in hints for h in re.split(r"[^a-z0-9]+", hint.lower()) if len(h) >= 3]
    for word in sorted(set(words), key=len, reverse=True):
        while word in lowered:
            cheap += len(word) - 1
            lowered = lowered.replace(word, "\0", 1)
    cheap += sum(len(match.group(0)) - 1 for match in re.finditer(r"([^\0])\1{2,}", lowered))
    cheap += _sequence_characters(lowered)
    effective = max(1, len(password) - cheap)
    bits = effective * math.log2(pool)
    score = 1 if bits < 45 else 2 if bits < 60 else 3 if bits < 80 else 4
    advice = {1: "easy to guess; add unrelated words or make it longer",
              2: "a few more words would make it much harder to guess",
              3: "hard to guess", 4: "very hard to guess"}[score]
    return Strength(score, round(bits, 1), advice)


def _pool(password: str) -> int:
    pool = 0
    if re.search(r"[a-z]", password):
        pool += 26
    if re.search(r"[A-Z]", password):
        pool += 26
    if re.search(r"[0-9]", password):
        pool += 10
    if re.search(r"[^a-zA-Z0-9\s]", password):
        pool += 33
    if re.search(r"\s", password):
        pool += 1
    if any(ord(c) > 127 for c in password):
        pool += 100
    return max(pool, 2)


def _sequence_characters(text: str) -> int:
    """Characters that continue an alphabet, digit or keyboard run of 3 or more (either way)."""
    cheap = 0
    for sequence in _SEQUENCES:
        for direction in (sequence, sequence[::-1]):
            for length in range(len(direction), 2, -1):
                for start in range(len(direction) - length + 1):
                    piece = direction[start:start + length]
                    while piece in text:
                        cheap += length - 1
                        text = text.replace(piece, "\0", 1)
    return cheap


class PasswordStrengthMeter(QWidget):
    """A bar in the strength's colour above its words; `set_password` as the owner types."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.bar.setAccessibleName("Password strength")
        self.label = QLabel()
        self.label.setProperty("role", "muted")
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self.strength = estimate("")
        self.set_password("")

    def set_password(self, password: str, hints: Iterable[str] = ()) -> Strength:
        self.strength = estimate(password, hints)
        self.bar.setValue(self.strength.score)
        text = f"{self.strength.label}: {self.strength.advice}." if password else f"Use at least {MIN_LENGTH} characters."
        self.label.setText(text)
        self.bar.setAccessibleDescription(text)
        if self.bar.property("strength") != self.strength.score:
            self.bar.setProperty("strength", self.strength.score)
            self.bar.style().unpolish(self.bar)
            self.bar.style().polish(self.bar)
        return self.strength
