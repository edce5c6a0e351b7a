"""How short posts are composed and counted: graphemes as Unicode's \\X counts them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from umt.gateway.publishing.base import Post
from umt.gateway.publishing.channels.text import grapheme_count, hashtags, links, social_text

SAMPLES = ["hello", "👨‍👩‍👧‍👦 family", "🇫🇷🇩🇪🇺", "👍🏽ok", "é e\u0301", "한국어 각 \u1100\u1161\u11a8", "مرحبا بالعالم",
           "🏴󠁧󠁢󠁳󠁣󠁴󠁿 scot", "a\r\nb\n\r", "❤️ love", "日本語テキスト", "🧑‍💻x", "a\u0308\u0301", "#️⃣", "ๆ ไทย", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇"]


@pytest.mark.parametrize("text", SAMPLES)
def test_graphemes_are_counted_as_unicode_does(text):
    assert grapheme_count(text) == len(regex.findall(r"\X", text))


# Latin, accents, Hangul jamo, Thai, Arabic, emoji and their modifiers, flags, joiners: the
# clusters people post. (Indic conjuncts, Unicode 15.1's newest rule, are counted per consonant.)
pieces = st.sampled_from(["a", "Z", " ", "\n", "\r", "é", "e\u0301", "\u0308", "한", "\u1100", "\u1161", "\u11a8",
                          "ไ", "ม", "\u0e31", "ب", "\u064e", "👍", "🏽", "👨", "\u200d", "👩", "❤", "\ufe0f",
                          "🇫", "🇷", "🏴", "\U000e0067", "\U000e007f", "#", "\u20e3", "日", "\u0e33", "\u0eb3",
                          "\u0903", "\u200c", "©"])


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=20).map("".join))
def test_graphemes_match_unicode_on_mixed_text(text):
    assert grapheme_count(text) == len(regex.findall(r"\X", text))


def test_the_body_gets_the_hashtags_it_does_not_carry_yet():
    post = Post(delivery_id=1, key="k", attempt=1, content_id=1, title="Title", body="  New menu! #Food  ",
                due_at=datetime.now(timezone.utc), hashtags=("food", "#Lunch", "lunch", "Lunch"))
    assert social_text(post) == "New menu! #Food\n\n#Lunch #lunch"


def test_links_and_hashtags_are_found_where_people_write_them():
    text = "See (https://en.wikipedia.org/wiki/Tea_(drink)), then https://x.com/a?b=1. #tea #2024 mid#not #café"
    assert [url for _, _, url in links(text)] == ["https://en.wikipedia.org/wiki/Tea_(drink)", "https://x.com/a?b=1"]
    assert [tag for _, _, tag in hashtags(text)] == ["tea", "café"]
