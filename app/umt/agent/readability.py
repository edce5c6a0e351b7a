"""English readability: Flesch reading ease and Flesch-Kincaid grade, counted the way textstat
counts them (the reference in the tests), without its pronouncing dictionary.

Formulas (Flesch 1948; Kincaid et al. 1975):
    reading ease = 206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)
    grade level  = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

Words, as textstat counts them: punctuation is removed (apostrophes of contractions stay) and what
is left between spaces is a word. So "20%", "$4.2M" and "1,250" are one word each, "data-driven"
is one word, "#coffee" and "@friend" are the words "coffee" and "friend", and a dash or an emoji
alone is no word. Syllables come from `umt.agent.syllables`.

Sentences end at ".", "!" and "?" but not after an abbreviation ("Dr.", "Jan. 12", "e.g.",
"U.S."), an initial ("J. R. Ellis") or inside a number ("4.2"); a sentence of one or two words
("Big news!", "Yes.") does not count as a sentence (its words still count), as in textstat.

Two deliberate departures from textstat: a link or an e-mail address is not read (textstat counts
one as a single word of a dozen syllables, so any post with a link scores "very difficult"), and
a line break ends a sentence, because social posts use lines instead of full stops."""

from __future__ import annotations

import re
from dataclasses import dataclass

from umt.agent.syllables import syllables

__all__ = ["Readability", "measure", "prose", "reading_ease_label", "syllables"]

_LINK = re.compile(r"(?:https?://|www\.)\S+|[^\s@]+@[^\s@]+\.\w+", re.IGNORECASE)
_NOT_PROSE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|[@#]\w+", re.IGNORECASE)
_WORD_CHARACTER = re.compile(r"\w")
_STOPS = re.compile(r"[.!?]+")
# Abbreviations that are followed by more of the same sentence; lower case, without their dots.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st mt ft jr sr rev gen capt sgt col lt gov sen rep pres "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun "
    "inc ltd co corp bros dept est approx incl excl vs etc eg ie cf al am pm no nos vol fig "
    "ave blvd rd pl sq oz lb lbs min mins max hr hrs yr yrs mo mos wk wks sec secs tel ext ph phd mba "
    "us uk eu un pt pts qty pkg pcs avg tbsp tsp gal qt mi yd yds ea ref misc govt intl natl univ mgmt "
    "acct amt".split())
# Titles never end a sentence, whatever follows them.
_TITLES = frozenset("mr mrs ms dr prof st mt jr sr rev gen capt sgt col lt gov sen rep pres".split())
# Words that open sentences: after "U.S." or "p.m." a capital ends the sentence only before one
# of these ("... until 4 p.m. On Sundays ..."), not before a name ("the U.S. Department").
_OPENERS = frozenset(
    "the a an this that these those it its we our you your they their he she his her i my there here "
    "in on at for from by with after before but and so or if when while as to of all some no one every "
    "each what why how where who please thanks thank today now then also however still yet".split())
_NAME_CONNECTORS = frozenset("of and for de la du von van".split())
_NEXT_WORDS = re.compile(r"[\s\"'”’)\]]*(\w+)\W*(\w*)")
_NEXT_CHARACTER = re.compile(r"[ \t\"'”’)\]]*(.?)")
_NEXT_ABBREVIATION = re.compile(r"\s*([A-Za-z]+)\.")
_VOWEL = re.compile("[aeiouy]")
_LAST_TOKEN = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def prose(text: str) -> str:
    """The text without links, addresses, mentions and hashtags: the words a keyphrase can be in."""
    return _NOT_PROSE.sub(" ", text)


def words(text: str) -> list[str]:
    """The words of a text as written ("$4.2M", "data-driven", "#coffee"): textstat removes
    punctuation and counts what is left between spaces, so a token counts when a letter or a
    digit is left in it."""
    return [token for token in text.split() if _WORD_CHARACTER.search(token)]


def _ends_sentence(text: str, stop: re.Match) -> bool:
    start, end = stop.span()
    after = text[end:end + 2]
    if after[:1] and not after[:1].isspace() and after[:1] not in "\"'”’)]":
        return False  # "4.2", "e.g", "beanthere.example": the stop is inside a token
    if "!" in stop.group() or "?" in stop.group():
        return True
    if stop.group() == "..." or len(stop.group()) > 1:
        return not _next_word_is_lower(text, end)
    token = _LAST_TOKEN.search(text, max(0, start - 40), start)
    if not token:
        return True
    word = token.group(1).lower()
    bare = word.replace(".", "")
    if bare in _TITLES:
        return False  # "Dr. Park"
    standalone = token.start() == 0 or not text[token.start() - 1].isalnum()
    if "." in word or (len(bare) == 1 and standalone):
        # An initial ("J. R. Ellis"), "a.m.", "e.g." or "U.S.": a sentence ends here before a word
        # that usually opens one; after "U.S." also before a capitalised word that does not start
        # a name ("the U.K. International orders", not "the U.S. Department of Agriculture").
        following, after = _next_words(text, end)
        if following[:1].isupper() and following.lower() in _OPENERS:
            return True
        return (len(bare) > 1 and bare.upper() == token.group(1).replace(".", "") and following.istitle()
                and after[:1].islower() and after not in _NAME_CONNECTORS)
    if standalone and (bare in _ABBREVIATIONS or not _VOWEL.search(bare)):
        # A listed abbreviation or a word without a vowel ("mths."): the same.
        # "Jan. 12", "Co. today", "Mon. Dec. 1" end a sentence only before a capital that is not
        # another abbreviation.
        return not _next_word_is_lower(text, end) and not _next_word_is_abbreviation(text, end)
    return True


def _next_words(text: str, position: int) -> tuple[str, str]:
    following = _NEXT_WORDS.match(text, position)
    return following.groups() if following else ("", "")


def _next_word_is_lower(text: str, position: int) -> bool:
    following = _NEXT_CHARACTER.match(text, position).group(1)
    return not following or following.islower() or following.isdigit() or following in ",;:-–—(&$%"


def _next_word_is_abbreviation(text: str, position: int) -> bool:
    following = _NEXT_ABBREVIATION.match(text, position)
    return bool(following) and following.group(1).lower() in _ABBREVIATIONS


def sentences(text: str) -> list[str]:
    """The sentences of a text without links: each line, split at its sentence stops."""
    found = []
    for line in _LINK.sub(" ", text).splitlines():
        start = 0
        for stop in _STOPS.finditer(line):
            if _ends_sentence(line, stop):
                found.append(line[start:stop.end()])
                start = stop.end()
        found.append(line[start:])
    return [sentence for sentence in found if sentence.strip()]


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
    word_count = syllable_count = sentence_count = 0
    for sentence in sentences(text):
        found = words(sentence)
        word_count += len(found)
        syllable_count += sum(syllables(word) for word in found)
        if len(found) > 2:
            sentence_count += 1
    return Readability(words=word_count, sentences=max(sentence_count, 1 if word_count else 0),
                       syllables=syllable_count)


def reading_ease_label(score: float) -> str:
    """Flesch's own bands."""
    for limit, label in ((90, "very easy"), (80, "easy"), (70, "fairly easy"), (60, "plain English"),
                         (50, "fairly difficult"), (30, "difficult")):
        if score >= limit:
            return label
    return "very difficult"
