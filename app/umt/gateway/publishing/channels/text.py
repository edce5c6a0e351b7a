"""The text of a short-form post (Bluesky, Mastodon) and how those services count it.

Both count user-perceived characters (grapheme clusters), not code points: an emoji family or a
flag is one. `grapheme_count` follows Unicode's extended grapheme cluster rules (UAX #29) closely
enough for a length limit, with the standard library only (the `regex` module's exact \\X would
add 3.6 MB to the image); tests compare it with \\X on mixed scripts and emoji."""

from __future__ import annotations

import re
import unicodedata

from umt.gateway.publishing.base import Post

ZWJ = "\u200d"
# Links as people write them; trailing sentence punctuation is not part of the address.
LINK = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
LINK_TRAILING = ".,;:!?)]}'\""
# A hashtag starts after a space or at the start, and has at least one non-digit character.
HASHTAG = re.compile(r"(?<!\S)[#＃]((?:\w|[\u200c\u200d])*[^\W\d_](?:\w|[\u200c\u200d])*)")


def social_text(post: Post) -> str:
    """The body, then the post's hashtags that the body does not already carry, on their own line."""
    body = post.body.strip()
    present = {tag.lower() for tag in HASHTAG.findall(body)}
    missing = [tag.lstrip("#＃") for tag in post.hashtags if tag.lstrip("#＃").lower() not in present]
    tags = " ".join(f"#{tag}" for tag in dict.fromkeys(missing) if tag)
    return f"{body}\n\n{tags}" if body and tags else body or tags


def links(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of each http(s) link, in characters."""
    found = []
    for match in LINK.finditer(text):
        url = match.group(0).rstrip(LINK_TRAILING)
        if url.count("(") > url.count(")") and match.group(0)[len(url):].startswith(")"):
            url += ")"      # Wikipedia-style addresses keep their closing parenthesis
        found.append((match.start(), match.start() + len(url), url))
    return found


def hashtags(text: str) -> list[tuple[int, int, str]]:
    """(start, end, tag without '#') of each hashtag, in characters; the span includes the '#'."""
    return [(m.start(), m.end(), m.group(1)) for m in HASHTAG.finditer(text)]


def _extends(char: str) -> bool:
    """A code point that never starts a cluster: combining marks, joiners, emoji modifiers and tags."""
    code = ord(char)
    return (unicodedata.category(char) in ("Mn", "Me", "Mc")
            or char in (ZWJ, "\u200c", "\u0e33", "\u0eb3")                   # Thai and Lao AM are spacing marks
            or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF     # variation selectors
            or 0x1F3FB <= code <= 0x1F3FF                                   # skin tones
            or 0xE0020 <= code <= 0xE007F)                                  # tag sequences (flags)


def _spacing_mark(char: str) -> bool:
    return unicodedata.category(char) == "Mc" or char in ("\u0e33", "\u0eb3")


def _hangul(char: str) -> str:
    """The Hangul syllable type (L, V, T, LV, LVT) of a code point, or ''."""
    code = ord(char)
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _pictographic(char: str) -> bool:
    """Extended_Pictographic, nearly: symbols (So) and the emoji planes."""
    code = ord(char)
    if _regional(char) or 0x1F3FB <= code <= 0x1F3FF:
        return False
    return unicodedata.category(char) == "So" or 0x1F000 <= code <= 0x1FAFF or code in (0x203C, 0x2049)


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def grapheme_count(text: str) -> int:
    count = 0
    previous = ""
    regional_run = 0        # regional indicators pair up into flags
    emoji = ""              # "pict" after a pictograph (and extenders), "zwj" after its joiner
    for char in text:
        joins = False
        if previous:
            if previous == "\r" and char == "\n":
                joins = True
            elif previous in "\r\n":
                joins = False
            elif _extends(char):
                joins = True
            elif emoji == "zwj" and _pictographic(char):
                joins = True    # emoji ZWJ sequences (a family, a profession)
            elif _regional(char) and regional_run % 2 == 1:
                joins = True
            else:
                before, after = _hangul(previous), _hangul(char)
                joins = ((before == "L" and after in ("L", "V", "LV", "LVT"))
                         or (before in ("LV", "V") and after in ("V", "T"))
                         or (before in ("LVT", "T") and after == "T"))
        regional_run = regional_run + 1 if _regional(char) else 0
        if _pictographic(char):
            emoji = "pict"
        elif emoji == "pict" and char == ZWJ:
            emoji = "zwj"
        elif not (emoji == "pict" and _extends(char) and not _spacing_mark(char)):
            emoji = ""
        if not joins:
            count += 1
        previous = char
    return count
