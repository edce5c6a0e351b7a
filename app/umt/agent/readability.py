"""English readability: Flesch reading ease and Flesch-Kincaid grade with a syllable heuristic.

Formulas (Flesch 1948; Kincaid et al. 1975):
    reading ease = 206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)
    grade level  = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

Syllables are estimated, not looked up (no dictionary in the slim image): count groups of
vowels (a e i o u y), then drop a silent final "e" (but not "-le" after a consonant, as in
"table"), a silent "-es" (but not after s, x, z, ch, sh, ce, ge, as in "boxes") and a silent
"-ed" (but not after t or d, as in "wanted"); words of up to three letters and every word have at
least one syllable. This agrees with dictionary counts for most everyday words and is off by one
for some (e.g. "created"); the tests pin its accuracy on a fixed word list.

Links, e-mail addresses, @mentions and #hashtags are left out; each line break also ends a
sentence, because social posts use lines instead of full stops."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WORD_PATTERN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_NOT_PROSE = re.compile(r"https?://\S+|\S+@\S+\.\S+|[@#]\w+", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?;]+(?=\s|$)|\n+")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=8192)
def syllables(word: str) -> int:
    word = word.lower().replace("’", "'").split("'")[0]
    if len(word) <= 3:
        return 1
    count = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("ee", "ye")):
        if not (word.endswith("le") and word[-3] not in "aeiouy"):
            count -= 1
    elif word.endswith("es") and not word.endswith(("ses", "xes", "zes", "ches", "shes", "ces", "ges")):
        count -= 1
    elif word.endswith("ed") and word[-3] not in "td" and word[-3] not in "aeiouy":
        count -= 1
    return max(1, count)


def prose(text: str) -> str:
    """The text as a reader reads it: without links, addresses, mentions and hashtags."""
    return _NOT_PROSE.sub(" ", text)


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def reading_ease(self) -> float | None:
        if not self.words:
            return None
        return 206.835 - 1.015 * (self.words / self.sentences) - 84.6 * (self.syllables / self.words)

    @property
    def grade(self) -> float | None:
        if not self.words:
            return None
        return 0.39 * (self.words / self.sentences) + 11.8 * (self.syllables / self.words) - 15.59


def measure(text: str) -> Readability:
    cleaned = prose(text)
    words = 0
    syllable_count = 0
    sentences = 0
    for sentence in _SENTENCE_BREAK.split(cleaned):
        found = WORD_PATTERN.findall(sentence)
        if found:
            sentences += 1
            words += len(found)
            syllable_count += sum(syllables(word) for word in found)
    return Readability(words=words, sentences=max(sentences, 1 if words else 0), syllables=syllable_count)


def reading_ease_label(score: float) -> str:
    """Flesch's own bands."""
    for limit, label in ((90, "very easy"), (80, "easy"), (70, "fairly easy"), (60, "plain English"),
                         (50, "fairly difficult"), (30, "difficult")):
        if score >= limit:
            return label
    return "very difficult"
