"""What the versions tab shows: line changes, and inside a changed paragraph the words that changed."""

from __future__ import annotations

from umt.desktop.models.content_records import ContentVersion
from umt.desktop.widgets.versions_view import VersionsView, _mark_changed_words, diff_lines


def test_a_changed_paragraph_marks_the_changed_words_in_both_versions():
    old = ContentVersion(1, "Roaster", "Twelve years, four countries, one rule: taste every batch.\nSee you <soon>.", "")
    lines = diff_lines(old, "Roaster", "Twelve years, four countries and one rule: taste every single batch.\nSee you <soon>.")
    assert [kind for kind, _ in lines] == ["@", " ", " ", "-", "+", " "]
    marked = _mark_changed_words(lines)
    assert marked[3] == "Twelve years, four <u><b>countries,</b></u> one rule: taste every batch."
    assert marked[4] == "Twelve years, four <u><b>countries and</b></u> one rule: taste every <u><b>single</b></u> batch."
    assert marked[5] == "See you &lt;soon&gt;."  # the owner's text is escaped, never read as markup


def test_the_view_shows_the_diff_against_the_editor_and_offers_restore(qtbot):
    view = VersionsView()
    qtbot.addWidget(view)
    view.set_versions([ContentVersion(1, "T", "old line", "2026-11-30T10:00:00Z"),
                       ContentVersion(2, "T", "new line", "2026-11-30T10:05:00Z")])
    view.set_current("T", "new line")
    assert not view.restore_button.isEnabled() and view.hint.isVisibleTo(view)
    view.list.setCurrentIndex(view.model.index(1, 0))
    assert view.restore_button.isEnabled() and not view.hint.isVisibleTo(view)
    assert "\u2212 old line" in view.diff.toPlainText() and "+ new line" in view.diff.toPlainText()
    with qtbot.waitSignal(view.sig_restore_requested) as restore:
        view.restore_button.click()
    assert restore.args[0].version == 1
    view.list.setCurrentIndex(view.model.index(0, 0))
    assert view.diff.toPlainText() == "Same as the text in the editor."
