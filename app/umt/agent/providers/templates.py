"""The offline template engine: always works, writes to each channel's length and format rules in
the brand's register, and never pretends to be more than a template (its drafts are labelled)."""

from __future__ import annotations

import re

from umt.contract.channels import ChannelRule, channel_length
from umt.agent.providers.base import DraftSpec, TextProvider

_CASUAL = ("friendly", "fun", "playful", "witty", "casual", "warm", "cheerful", "bold", "quirky", "upbeat")
_FORMAL = ("professional", "formal", "expert", "authoritative", "serious", "corporate", "precise", "trusted")

OPENERS = {
    "casual": ("Good news, {audience}!", "Psst, {audience}:", "Here's one for {audience}:",
               "We've been waiting to share this.", "You asked, we listened.", "Small change, big difference:"),
    "formal": ("For {audience}:", "An update from {brand}.", "What {audience} should know:",
               "{brand} is pleased to share:", "A note for {audience}:", "Introducing something new from {brand}."),
    "neutral": ("New from {brand}:", "{audience}, this one is for you:", "Have you heard?",
                "Something new from {brand}.", "Worth a look:", "In case you missed it:"),
}
CLOSERS = {
    "casual": ("Go on, {cta_lower}!", "{cta} \u2014 you'll be glad you did.", "{cta} today."),
    "formal": ("{cta}.", "We invite you to {cta_lower}.", "{cta} at your convenience."),
    "neutral": ("{cta}.", "{cta} now.", "Ready? {cta}."),
}
DEFAULT_CTA = {"awareness": "Learn more", "traffic": "Visit us", "leads": "Sign up", "sales": "Shop now",
               "engagement": "Tell us what you think", "": "Find out more"}
TITLE_CHANNELS = ("email_subject", "youtube_title")
SHORT_CHANNELS = TITLE_CHANNELS + ("meta_description", "sms")


def register(voice: str) -> str:
    words = voice.lower()
    if any(word in words for word in _FORMAL):
        return "formal"
    if any(word in words for word in _CASUAL):
        return "casual"
    return "neutral"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _fit(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis when over the limit."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-\u2014")
    return cut + "\u2026"


class TemplateProvider(TextProvider):
    name = "template"
    label = "Template draft (offline): review and personalise before publishing"

    def write(self, spec: DraftSpec, index: int, total: int) -> str:
        tone = register(spec.brand.voice)
        banned = [re.compile(r"(?<!\w)" + re.escape(w) + r"(?!\w)", re.IGNORECASE) for w in spec.brand.banned_words]
        opener = self._pick(OPENERS[tone], index, spec, banned, needs_audience=not spec.brand.audience)
        cta_text = spec.call_to_action or DEFAULT_CTA.get((spec.campaign.goal if spec.campaign else "").lower(),
                                                          DEFAULT_CTA[""])
        closer = self._pick(CLOSERS[tone], index, spec, banned, cta=cta_text)
        hashtags = self._hashtags(spec, index)
        rule = spec.rule
        if rule.key in SHORT_CHANNELS:
            return self._short(spec, rule, index, cta_text)
        offer = _sentence(spec.offer) if spec.offer else ""
        brief = _sentence(self._with_keyphrase(spec))
        if rule.long_form or rule.key in ("instagram", "tiktok"):
            paragraphs = [opener, brief, offer, closer]
            if not rule.links_clickable:
                paragraphs[-1] = closer + " Link in bio."
            if rule.key == "email_body":
                paragraphs = ["Hello,", brief, offer, closer, f"\u2014 The {spec.brand.name} team"]
            text = "\n\n".join(p for p in paragraphs if p)
            if hashtags:
                text += "\n\n" + " ".join(hashtags)
            return _fit(text, rule.max_chars)
        # One-paragraph channels (X, Threads, Facebook): drop optional parts until it fits.
        # Aim for the ideal length first, then settle for the hard limit.
        parts = [opener, brief, offer, closer]
        for limit in (rule.ideal_chars[1], rule.max_chars):
            for dropped in ((), ("opener",), ("opener", "offer")):
                chosen = [p for name, p in zip(("opener", "brief", "offer", "closer"), parts)
                          if name not in dropped and p]
                for tags in (hashtags, hashtags[:1], []):
                    text = " ".join(chosen + tags)
                    if channel_length(text, rule) <= limit:
                        return text
        return _fit(" ".join([brief, closer]), rule.max_chars)

    def _with_keyphrase(self, spec: DraftSpec) -> str:
        """The brief, led by the keyphrase when the brief does not use it (scoring looks for it)."""
        brief = spec.brief.strip()
        if spec.keyphrase and spec.keyphrase.lower() not in brief.lower():
            return f"{spec.keyphrase[0].upper()}{spec.keyphrase[1:]}: {brief[0].lower()}{brief[1:]}"
        return brief

    def _short(self, spec: DraftSpec, rule: ChannelRule, index: int, cta: str) -> str:
        brief = self._with_keyphrase(spec).rstrip(".!?")
        offer = (spec.offer or "").strip().rstrip(".!?")
        brand = spec.brand.name
        limit = rule.ideal_chars[1]
        if rule.key in TITLE_CHANNELS:
            options = [f"{offer}: {brief}" if offer else f"{cta}: {brief}", f"{brand}: {brief}", brief]
            if offer:
                options += [f"{offer} at {brand}", f"{brand}: {offer}", f"{brief} \u2014 {offer}"]
        else:
            extra = f"{offer}. " if offer else ""
            options = [f"{brief}. {extra}{cta} with {brand}.", f"{brand}: {brief}. {extra}{cta}.",
                       f"{brief}. {cta} \u2014 {brand}."]
            if spec.brand.audience:
                options = [text[:-1] + f", made for {spec.brand.audience}." if len(text) < rule.ideal_chars[0]
                           else text for text in options]
        if spec.keyphrase:
            phrase = spec.keyphrase.lower()
            options = [text for text in options if phrase in text.lower()] or [
                f"{spec.keyphrase[0].upper()}{spec.keyphrase[1:]} \u2014 {offer or brand}"]
        # Options that fit whole come first; the rest are cut at a word boundary.
        ordered = [text for text in options if len(text) <= limit] + [text for text in options if len(text) > limit]
        return _fit(ordered[index % len(ordered)], limit)

    def _pick(self, options: tuple[str, ...], index: int, spec: DraftSpec, banned, needs_audience: bool = False,
              cta: str = "") -> str:
        """The index-th option that reads well for this brand: no banned word, no empty audience."""
        usable = []
        for option in options:
            if needs_audience and "{audience}" in option:
                continue
            text = option.format(audience=spec.brand.audience, brand=spec.brand.name, cta=cta.rstrip(".!"),
                                 cta_lower=cta.rstrip(".!")[:1].lower() + cta.rstrip(".!")[1:])
            if not any(pattern.search(text) for pattern in banned):
                usable.append(text)
        return usable[index % len(usable)] if usable else ""

    def _hashtags(self, spec: DraftSpec, index: int) -> list[str]:
        rule = spec.rule
        tags = [t if t.startswith("#") else "#" + t for t in spec.brand.hashtags]
        tags = [re.sub(r"[^\w#]", "", tag) for tag in tags if len(tag) > 1]
        if not tags or rule.ideal_hashtags[1] == 0:
            return []
        wanted = min(rule.ideal_hashtags[1], rule.max_hashtags, len(tags))
        start = index % len(tags)
        rotated = tags[start:] + tags[:start]
        return rotated[:wanted]
