"""Pre-publish scoring: each check says what it found and what to do; the score is 100 minus the
penalties of the failed and warned checks, floored at 0."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from umt.agent import readability
from umt.contract.channels import CHANNELS, URL_PATTERN, ChannelRule, channel_length, resolve_channel

HASHTAG_PATTERN = re.compile(r"(?<![\w&])#(\w*[^\W\d_]\w*)")
# Keyphrase density band (occurrences per 100 words), the usual SEO guidance.
DENSITY_BAND = (0.5, 2.5)
# Below this many words, density is noise: we only check that the keyphrase is there.
DENSITY_MIN_WORDS = 100
REQUIRED_UTM = ("utm_source", "utm_medium", "utm_campaign")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")


@dataclass
class Check:
    id: str
    status: str  # pass | warn | fail | info
    message: str
    penalty: int = 0

    def as_json(self) -> dict:
        return {"id": self.id, "status": self.status, "message": self.message, "penalty": self.penalty}


@dataclass
class ScoreInput:
    text: str
    channel: str
    keyphrase: str | None = None
    banned_words: list[str] = field(default_factory=list)
    brand_hashtags: list[str] = field(default_factory=list)


def score_text(task: ScoreInput) -> dict:
    rule = CHANNELS[task.channel]
    text = task.text
    tokens = [token.lower() for token in _TOKEN.findall(readability.prose(text))]
    measured = readability.measure(text)
    hashtags = HASHTAG_PATTERN.findall(text)
    links = [_link_report(url) for url in URL_PATTERN.findall(text)]
    counted_length = channel_length(text, rule)

    checks = [_length_check(rule, counted_length)]
    checks.extend(_readability_checks(rule, measured))
    if task.keyphrase:
        checks.append(_keyphrase_check(rule, task.keyphrase, tokens))
    banned = _banned_found(text, task.banned_words)
    checks.append(_banned_check(banned))
    checks.append(_hashtag_check(rule, hashtags, task.brand_hashtags))
    checks.extend(_link_checks(rule, links))

    penalty = sum(check.penalty for check in checks)
    score = max(0, 100 - penalty)
    keyphrase_count = _count_phrase(tokens, _phrase_tokens(task.keyphrase)) if task.keyphrase else None
    reasons = sorted((c for c in checks if c.status in ("fail", "warn")), key=lambda c: -c.penalty)
    return {
        "score": score,
        "rating": "good" if score >= 80 else "fair" if score >= 60 else "poor",
        "channel": rule.key,
        "publishable": not any(c.status == "fail" and c.id in ("length", "banned_words", "hashtags") for c in checks),
        "reasons": [c.message for c in reasons],
        "checks": [c.as_json() for c in checks],
        "metrics": {
            "characters": len(text),
            "channel_length": counted_length,
            "max_chars": rule.max_chars,
            "ideal_chars": list(rule.ideal_chars),
            "words": measured.words,
            "sentences": measured.sentences,
            "syllables": measured.syllables,
            "flesch_reading_ease": _round(measured.reading_ease),
            "flesch_kincaid_grade": _round(measured.grade),
            "keyphrase_count": keyphrase_count,
            "keyphrase_density_percent": _round(100 * keyphrase_count / len(tokens))
            if keyphrase_count is not None and tokens else None,
            "hashtags": ["#" + tag for tag in hashtags],
            "links": links,
            "banned_words_found": banned,
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _length_check(rule: ChannelRule, length: int) -> Check:
    low, high = rule.ideal_chars
    if length > rule.max_chars:
        return Check("length", "fail", f"Cut {length - rule.max_chars} characters: a {rule.label} allows "
                     f"{rule.max_chars} and this one has {length}.", 40)
    if length < rule.min_chars:
        return Check("length", "fail", f"Write at least {rule.min_chars - length} more characters: a {rule.label} "
                     f"needs {rule.min_chars} or more.", 25)
    if length < low:
        return Check("length", "warn", f"Consider adding up to {low - length} characters: {rule.label}s of "
                     f"{low}-{high} characters tend to do best (this one has {length}).", 5)
    if length > high:
        return Check("length", "warn", f"Consider cutting {length - high} characters: {rule.label}s of "
                     f"{low}-{high} characters tend to do best (this one has {length}).", 10)
    return Check("length", "pass", f"{length} characters, within the ideal {low}-{high} for a {rule.label}.")


def _readability_checks(rule: ChannelRule, measured: readability.Readability) -> list[Check]:
    ease = measured.reading_ease
    if ease is None or measured.words < 8:
        return [Check("readability", "info", "Too few words to judge readability.")]
    label = readability.reading_ease_label(ease)
    checks = []
    if ease < 30:
        checks.append(Check("readability", "warn", f"Reading ease {ease:.0f} ({label}): use shorter sentences "
                            f"and plainer words; aim for 60 or more.", 15))
    elif ease < 50:
        checks.append(Check("readability", "warn", f"Reading ease {ease:.0f} ({label}): shorten long sentences "
                            f"and swap long words for short ones; aim for 60 or more.", 8))
    else:
        checks.append(Check("readability", "pass", f"Reading ease {ease:.0f} ({label})."))
    grade = measured.grade
    if grade is not None and grade > 12 and not rule.long_form:
        checks.append(Check("grade_level", "warn", f"Grade level {grade:.1f}: most social readers skim; "
                            f"aim for grade 8 or below.", 5))
    return checks


def _phrase_tokens(phrase: str | None) -> list[str]:
    return [token.lower() for token in _TOKEN.findall(phrase or "")]


def brand_keyphrase(text: str, keyphrases: list[str]) -> str | None:
    """The brand's keyphrase for a text whose request names none: the first one the text uses, else
    the brand's first (so a post that uses none is told to)."""
    tokens = [token.lower() for token in _TOKEN.findall(text)]
    used = [phrase for phrase in keyphrases if _count_phrase(tokens, _phrase_tokens(phrase))]
    return (used or keyphrases or [None])[0]


def _count_phrase(tokens: list[str], phrase: list[str]) -> int:
    if not phrase:
        return 0
    size = len(phrase)
    first = phrase[0]
    return sum(1 for i, token in enumerate(tokens) if token == first and tokens[i:i + size] == phrase)


def _keyphrase_check(rule: ChannelRule, keyphrase: str, tokens: list[str]) -> Check:
    count = _count_phrase(tokens, _phrase_tokens(keyphrase))
    if count == 0:
        return Check("keyphrase", "fail", f"Use the keyphrase \u201c{keyphrase}\u201d at least once, "
                     f"ideally near the start.", 15)
    if len(tokens) < DENSITY_MIN_WORDS or not rule.long_form:
        return Check("keyphrase", "pass", f"The keyphrase \u201c{keyphrase}\u201d appears {count} time(s).")
    density = 100 * count / len(tokens)
    low, high = DENSITY_BAND
    if density < low:
        more = max(1, round(low * len(tokens) / 100) - count)
        return Check("keyphrase", "warn", f"Keyphrase density {density:.1f}% is below {low}%: use "
                     f"\u201c{keyphrase}\u201d about {more} more time(s).", 8)
    if density > high:
        fewer = max(1, count - int(high * len(tokens) / 100))
        return Check("keyphrase", "warn", f"Keyphrase density {density:.1f}% is above {high}% and reads as "
                     f"stuffing: use \u201c{keyphrase}\u201d about {fewer} fewer time(s) or use synonyms.", 12)
    return Check("keyphrase", "pass", f"Keyphrase density {density:.1f}%, within {low}-{high}%.")


def _banned_found(text: str, banned_words: list[str]) -> list[dict]:
    found = []
    for word in banned_words:
        pattern = re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)
        count = len(pattern.findall(text))
        if count:
            found.append({"word": word, "count": count})
    return found


def _banned_check(found: list[dict]) -> Check:
    if not found:
        return Check("banned_words", "pass", "No banned words.")
    listed = ", ".join(f"\u201c{item['word']}\u201d ({item['count']}\u00d7)" for item in found)
    return Check("banned_words", "fail", f"Remove the brand's banned words: {listed}.", min(50, 25 * len(found)))


def _hashtag_check(rule: ChannelRule, hashtags: list[str], brand_hashtags: list[str]) -> Check:
    count = len(hashtags)
    low, high = rule.ideal_hashtags
    if rule.max_hashtags == 0 and count:
        return Check("hashtags", "warn", f"Remove the {count} hashtag(s): a {rule.label} does not use them.", 10)
    if count > rule.max_hashtags:
        return Check("hashtags", "fail", f"Remove {count - rule.max_hashtags} hashtag(s): a {rule.label} allows "
                     f"{rule.max_hashtags}.", 20)
    if count > high:
        return Check("hashtags", "warn", f"Use {high} hashtags or fewer (this has {count}): more look like spam.", 5)
    if count < low:
        suggestion = [tag if tag.startswith("#") else "#" + tag for tag in brand_hashtags[: low - count]]
        hint = f" such as {' '.join(suggestion)}" if suggestion else ""
        return Check("hashtags", "warn", f"Add {low - count} hashtag(s){hint}: {rule.label}s reach further "
                     f"with {low}-{high}.", 3)
    return Check("hashtags", "pass", f"{count} hashtag(s), fine for a {rule.label}.")


def _link_report(url: str) -> dict:
    url = url.rstrip(".,;:!?)")
    query = parse_qs(urlsplit(url).query)
    utm = {key: values[0] for key, values in query.items() if key.startswith("utm_")}
    return {"url": url, "utm": utm, "missing_utm": [key for key in REQUIRED_UTM if key not in utm]}


def _link_checks(rule: ChannelRule, links: list[dict]) -> list[Check]:
    if not links:
        return []
    checks = []
    if not rule.links_clickable:
        checks.append(Check("links", "warn", f"Links in a {rule.label} are not clickable: put the link in "
                            f"your bio and say \u201clink in bio\u201d.", 8))
    untagged = [link for link in links if link["missing_utm"]]
    if untagged:
        first = untagged[0]
        checks.append(Check("utm", "warn", f"Add {', '.join(first['missing_utm'])} to {first['url']}"
                            + (f" and {len(untagged) - 1} other link(s)" if len(untagged) > 1 else "")
                            + " so visits from this post are attributed to the campaign.", 5))
    else:
        checks.append(Check("utm", "pass", f"All {len(links)} link(s) carry UTM parameters."))
    return checks


def parse_score(task) -> ScoreInput:
    """From the contract's ScoreInput (the gateway fills text and channel in from content_id)."""
    from umt.agent.errors import InputError

    for name in ("text", "channel"):
        if getattr(task, name) is None:
            raise InputError(name, "is required")
    return ScoreInput(
        text=task.text, channel=resolve_channel(task.channel),
        keyphrase=task.keyphrase or brand_keyphrase(task.text, list(task.brand.keyphrases) if task.brand else []),
        banned_words=list(task.brand.banned_words) if task.brand else [],
        brand_hashtags=list(task.brand.hashtags) if task.brand else [],
    )


def run_score(task: ScoreInput, progress) -> dict:
    return score_text(task)
