"""Readability formulas, the syllable heuristic's accuracy, and each scoring check."""

from __future__ import annotations

import pytest

from umt.agent import readability
from umt.contract.channels import CHANNELS, channel_length
from umt.agent.scoring import ScoreInput, score_text

# Dictionary syllable counts (Merriam-Webster) of everyday marketing words.
DICTIONARY = {
    "the": 1, "coffee": 2, "table": 2, "make": 1, "makes": 1, "boxes": 2, "wanted": 2, "jumped": 1,
    "played": 1, "people": 2, "whole": 1, "free": 1, "freed": 1, "goes": 1, "uses": 2, "places": 2,
    "marketing": 3, "customer": 3, "discount": 2, "today": 2, "beautiful": 3, "simple": 2, "every": 3,
    "morning": 2, "delicious": 3, "introducing": 4, "season": 2, "offer": 2, "limited": 3, "time": 1,
    "business": 2, "community": 4, "available": 4, "experience": 4, "quality": 3, "fresh": 1, "roasted": 2,
    "brewed": 1, "family": 3, "happy": 2, "weekend": 2, "newsletter": 3, "shop": 1, "online": 2,
    "save": 1, "yes": 1, "you": 1, "maple": 2, "pecan": 2, "autumn": 2, "blend": 1,
}


def test_syllable_heuristic_agrees_with_the_dictionary_on_most_words():
    wrong = {word: (readability.syllables(word), count) for word, count in DICTIONARY.items()
             if readability.syllables(word) != count}
    assert len(wrong) <= 0.1 * len(DICTIONARY), wrong


def test_flesch_formulas_on_a_counted_text():
    # 2 sentences, 10 words; syllables: The(1) cat(1) sat(1) on(1) the(1) mat(1) / Dogs(1) love(1) long(1) walks(1)
    measured = readability.measure("The cat sat on the mat. Dogs love long walks!")
    assert (measured.words, measured.sentences, measured.syllables) == (10, 2, 10)
    assert measured.reading_ease == pytest.approx(206.835 - 1.015 * 5 - 84.6 * 1.0)
    assert measured.grade == pytest.approx(0.39 * 5 + 11.8 * 1.0 - 15.59)


def test_links_are_not_read_mentions_and_hashtags_are_words_and_lines_end_sentences():
    # As textstat counts them, "@friend" and "#coffee" are the words "friend" and "coffee", and
    # "Big news" (two words) is not counted as a sentence; the link is not read at all.
    measured = readability.measure("Big news\nRead it at https://example.com/a-very-long-path @friend #coffee")
    assert (measured.words, measured.sentences) == (7, 1)
    lines = readability.measure("Our autumn blend is back\nGrab a bag this week\n#coffee #autumn")
    assert (lines.words, lines.sentences) == (12, 2)


def test_harder_text_scores_lower_reading_ease():
    easy = readability.measure("We roast fresh beans. You taste the difference. Come by today.")
    hard = readability.measure("Our meticulously calibrated roasting methodology systematically "
                               "accentuates characteristically sophisticated aromatic complexity.")
    assert easy.reading_ease > 70 > 20 > hard.reading_ease
    assert hard.grade > easy.grade + 10


def score(text, channel="x", **kwargs):
    return score_text(ScoreInput(text=text, channel=channel, **kwargs))


def check(result, check_id):
    return next(c for c in result["checks"] if c["id"] == check_id)


def test_channel_aliases_and_unknown_channels():
    from umt.agent.scoring import parse_score
    from umt.agent.errors import InputError
    from umt.agent.tasks import read_input

    assert parse_score(read_input("score", {"text": "Hi", "channel": "Twitter"})).channel == "x"
    assert parse_score(read_input("score", {"text": "Hi", "channel": "email"})).channel == "email_body"
    with pytest.raises(InputError) as caught:
        parse_score(read_input("score", {"text": "Hi", "channel": "myspace"}))
    assert caught.value.field == "channel" and "linkedin" in caught.value.message


def test_x_counts_each_link_as_23_characters():
    text = "See our autumn menu " + "https://example.com/" + "x" * 200
    assert channel_length(text, CHANNELS["x"]) == len("See our autumn menu ") + 23
    assert check(score(text), "length")["status"] != "fail"


def test_x_counts_cjk_and_emoji_double():
    assert channel_length("咖啡" * 100, CHANNELS["x"]) == 400
    assert channel_length("Café — ok \u2019", CHANNELS["x"]) == len("Café — ok \u2019")
    assert channel_length("\U0001F600 hi", CHANNELS["x"]) == 5
    assert channel_length("咖啡" * 100, CHANNELS["linkedin"]) == 200
    assert check(score("咖啡" * 100), "length")["status"] == "fail"


def test_over_the_channel_limit_fails_with_how_much_to_cut():
    result = score("Fresh coffee. " * 25)  # 350 characters
    length = check(result, "length")
    assert length["status"] == "fail" and "Cut" in length["message"] and "280" in length["message"]
    assert result["publishable"] is False
    assert result["reasons"][0] == length["message"]
    assert result["score"] <= 60


def test_email_subject_ideal_range_and_hashtags():
    long_subject = score("Our biggest autumn sale of the year starts now for everyone", "email_subject")
    assert check(long_subject, "length")["status"] == "warn"
    tagged = score("Autumn sale starts now #coffee", "email_subject")
    assert check(tagged, "hashtags")["status"] == "warn" and "does not use them" in check(tagged, "hashtags")["message"]


def test_meta_description_too_short_fails():
    assert check(score("Coffee beans.", "meta_description"), "length")["status"] == "fail"


def test_banned_words_fail_with_counts_and_ignore_case():
    result = score("Cheap coffee, CHEAP refills, guaranteed joy. Not cheapskates.", banned_words=["cheap", "guaranteed"])
    assert result["metrics"]["banned_words_found"] == [{"word": "cheap", "count": 2}, {"word": "guaranteed", "count": 1}]
    assert check(result, "banned_words")["status"] == "fail"
    assert result["publishable"] is False


def test_hashtag_limits_per_channel():
    many = " ".join(f"#tag{i}a" for i in range(31))
    assert check(score("Fall menu is here. " + many, "instagram"), "hashtags")["status"] == "fail"
    assert check(score("Fall menu is here. #one #two #three #four", "x"), "hashtags")["status"] == "warn"
    suggestion = check(score("Fall menu is here at our shop on Main Street.", "linkedin",
                             brand_hashtags=["coffee"]), "hashtags")
    assert suggestion["status"] == "warn" and "#coffee" in suggestion["message"]


def test_links_need_utm_and_instagram_links_are_not_clickable():
    untagged = score("Autumn blend is back: https://example.com/shop?ref=1", "x")
    utm = check(untagged, "utm")
    assert utm["status"] == "warn" and "utm_source, utm_medium, utm_campaign" in utm["message"]
    tagged = score("Autumn blend: https://example.com/?utm_source=x&utm_medium=social&utm_campaign=fall.", "x")
    assert check(tagged, "utm")["status"] == "pass"
    assert tagged["metrics"]["links"][0]["utm"] == {"utm_source": "x", "utm_medium": "social", "utm_campaign": "fall"}
    assert check(score("New menu https://example.com", "instagram"), "links")["status"] == "warn"


def _article(keyphrase_times: int, words: int = 400) -> str:
    filler = "Our team roasts beans every morning and ships them the same day to homes across the city. "
    body = (filler * (words // 17 + 1)).split()[:words - 2 * keyphrase_times]
    step = max(1, len(body) // (keyphrase_times + 1))
    for i in range(keyphrase_times):
        body.insert((i + 1) * step + 2 * i, "cold brew")
    return " ".join(body)


def test_keyphrase_density_bands_on_long_form():
    low = score(_article(1), "linkedin", keyphrase="cold brew")
    good = score(_article(6), "linkedin", keyphrase="cold brew")
    stuffed = score(_article(20), "linkedin", keyphrase="cold brew")
    assert check(low, "keyphrase")["status"] == "warn" and "more time" in check(low, "keyphrase")["message"]
    assert check(good, "keyphrase")["status"] == "pass"
    assert check(stuffed, "keyphrase")["status"] == "warn" and "stuffing" in check(stuffed, "keyphrase")["message"]
    assert good["metrics"]["keyphrase_count"] == 6
    assert good["metrics"]["keyphrase_density_percent"] == pytest.approx(100 * 6 / good["metrics"]["words"], abs=0.01)


def test_missing_keyphrase_fails():
    assert check(score("Autumn blend is back today.", keyphrase="cold brew"), "keyphrase")["status"] == "fail"


def test_a_clean_post_scores_higher_than_a_flawed_one():
    clean = score("Our autumn blend is back: maple, pecan and a little spice. Grab a bag this week "
                  "https://beanthere.example/?utm_source=x&utm_medium=social&utm_campaign=autumn #coffee",
                  keyphrase="autumn blend", banned_words=["cheap"])
    flawed = score("CHEAP!!! " + "Buy our cheap coffee " * 20 + "https://beanthere.example #a #b #c #d #e",
                   keyphrase="autumn blend", banned_words=["cheap"])
    assert clean["score"] >= 90 and clean["rating"] == "good"
    assert flawed["score"] < 40 and flawed["rating"] == "poor"
