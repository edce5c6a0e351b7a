"""The Experiments section through its widgets against the real native stack (gateway and agent
processes, SQLite, HTTP): create an experiment from posts, enter and import counts, the agent's
verdict and P(best) on screen, the sample-size planner against statsmodels, declaring a winner."""

from __future__ import annotations

import math
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QAbstractSpinBox, QApplication

from umt.client.errors import ValidationFailed
from umt.agent.experiment import ExperimentTask, Variant, run_experiment
from umt.desktop.controllers.account import AccountController
from umt.desktop.controllers.experiments import ExperimentsController, more_per_variant, plan_winner, verdict_text
from umt.desktop.controllers.session import SessionController
from umt.desktop.models.experiments import VariantRow, VariantsModel, parse_counts_csv
from umt.desktop.theme import ThemeManager
from umt.desktop.views.experiments import ExperimentsPage
from umt.desktop.widgets.interval_chart import IntervalChart, IntervalRow, nice_top

from .session_fixtures import owner_stack, signed_in_client  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def sample_stack(owner_stack):  # noqa: F811
    """The owner's stack with the sample workspace (posts in every status, one experiment)."""
    from umt.demo import fill_sample_data

    with signed_in_client(owner_stack) as client:
        fill_sample_data(client)
    return owner_stack


@pytest.fixture
def session(qtbot, tasks, sample_stack):
    """A SessionController signed in through the AccountController (with a recovery code)."""
    session = SessionController(tasks)
    account = AccountController(session)
    session.set_gateway_url(sample_stack.url)
    qtbot.waitUntil(lambda: session.state.setup_required is False, timeout=10000)
    needs_code = []
    account.sign_in(sample_stack.email, sample_stack.password, False, needs_code.append, _fail)
    qtbot.waitUntil(lambda: needs_code == [True], timeout=10000)
    account.second_factor(lambda _: None, _fail, recovery_code=sample_stack.recovery_code())
    qtbot.waitUntil(lambda: session.state.signed_in, timeout=10000)
    yield session
    tasks.wait_for_done(10000)


def _fail(problem):
    raise AssertionError(f"unexpected failure: {problem}")


@pytest.fixture
def page(qtbot, qapp, session):
    theme = ThemeManager(qapp, "light").apply()
    page = ExperimentsPage(ExperimentsController(session), theme)
    qtbot.addWidget(page)
    page.resize(1100, 820)
    page.show()
    qtbot.waitUntil(lambda: page.list_model.rowCount() > 0 and bool(page.controller.content), timeout=10000)
    return page


def _post(page, status):
    return next(item for item in page.controller.content.values() if item.status == status)


def _create(qtbot, page, name, posts):
    page.new_experiment()
    page.form.name.setText(name)
    while len(page.form.names) < len(posts):
        page.form.add_variant()
    for row, (variant, item) in enumerate(posts):
        page.form.names[row].setText(variant)
        page.form.choose_post(row, item.id)
    page.form.create_button.click()
    qtbot.waitUntil(lambda: bool((page.experiment is not None and page.experiment.name == name)
                                 or page.form.error.text()), timeout=10000)
    assert page.experiment is not None and page.experiment.name == name, (page.form.error.text(), page.status.text())
    qtbot.waitUntil(lambda: page.list_model.row_of(page.experiment.id) >= 0, timeout=10000)   # the list reloaded
    return page.experiment


def _agent_figures(result):
    """The agent's own task on the same counts and the same seed."""
    task = ExperimentTask([Variant(v.name, v.exposures, v.conversions) for v in result.variants],
                          alpha=result.alpha, min_samples=result.method.min_samples, draws=result.bayesian.draws,
                          seed=result.bayesian.seed)
    return run_experiment(task, lambda *_: None)


def test_an_experiment_is_created_counted_and_judged_as_the_agent_judges(qtbot, qtmodeltester, page, tmp_path):
    draft, review = _post(page, "draft"), _post(page, "in_review")
    experiment = _create(qtbot, page, "Headline test", [("Plain headline", draft), ("Question headline", review)])
    assert [(v.name, v.content_id) for v in experiment.variants] == [("Plain headline", draft.id),
                                                                      ("Question headline", review.id)]
    assert page.variants.data(page.variants.index(0, 1)) == draft.title
    qtmodeltester.check(page.variants)
    qtmodeltester.check(page.list_model)

    # Typed counts; an impossible one is refused at the cell with the reason.
    model = page.variants
    assert not model.setData(model.index(0, model.CONVERSIONS), 5)
    assert "more than its 0 exposures" in page.status.text()
    page.table.edit(model.index(0, model.EXPOSURES))     # typed into the cell's editor, as an owner does
    with qtbot.waitSignal(page.controller.sig_experiments_loaded, timeout=10000):
        page.controller.load()   # a reload while the cell is being edited leaves the editor open
    assert page.table.state() == QAbstractItemView.State.EditingState
    editor = page.table.findChild(QAbstractSpinBox)
    editor.selectAll()
    qtbot.keyClicks(editor, "40")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.rows()[0].exposures == 40, timeout=5000)
    assert page.save_button.isEnabled()
    with qtbot.waitSignal(page.controller.sig_experiments_loaded, timeout=10000):
        page.controller.load()   # a reload keeps what is typed and not saved yet
    assert model.rows()[0].exposures == 40 and page.save_button.isEnabled()
    assert model.setData(model.index(0, model.CONVERSIONS), 3)
    for column, count in ((model.EXPOSURES, 55), (model.CONVERSIONS, 6)):
        assert model.setData(model.index(1, column), count)
    page.save_button.click()
    qtbot.waitUntil(lambda: page.result is not None and page.result.variants[0].exposures == 40, timeout=30000)
    result = page.result
    agent = _agent_figures(result)
    assert result.verdict.status == agent["verdict"]["status"] == "not_enough_data"
    assert more_per_variant(result) == 100 - 40
    assert page.verdict.text().startswith("Not enough data yet: about 60 more per variant.")
    assert agent["verdict"]["message"].removeprefix("Not enough data yet: ") in page.verdict.text()
    assert page.chart.has_data
    _render(page, "experiments-not-enough-data")

    # Imported counts replace the typed ones; a bad file is refused whole and names its line.
    bad = tmp_path / "bad.csv"
    bad.write_text("variant,exposures,conversions\nPlain headline,2000,90\nQuestion headline,2000,abc\n")
    assert not page.import_counts(bad)
    assert "line 3" in page.status.text() and model.rows()[0].exposures == 40
    good = tmp_path / "counts.csv"
    good.write_text("variant,exposures,conversions\nPlain headline,2000,90\nQuestion headline,2000,140\n")
    assert page.import_counts(good)
    page.save_button.click()
    qtbot.waitUntil(lambda: page.result is not None and page.result.variants[0].exposures == 2000, timeout=30000)
    result = page.result
    agent = _agent_figures(result)
    assert result.verdict.status == agent["verdict"]["status"] == "winner"
    assert page.verdict.text() == agent["verdict"]["message"] == verdict_text(result)
    for shown, own in zip(result.variants, agent["variants"]):
        assert shown.prob_best == own["prob_best"] and shown.expected_loss == own["expected_loss"]
        assert f"P(best) {100 * own['prob_best']:.1f} %" in page.figures.text()
    assert f"p = {agent['comparisons'][0]['p_value']:.4g}" in page.figures.text()
    assert page.winner_choice.currentText() == "Question headline"
    stored = page.controller  # the counts are the gateway's: read them back through a fresh load
    stored.load()
    qtbot.waitUntil(lambda: page.list_model.record(page.list_model.row_of(experiment.id)).variants[1].conversions == 140,
                    timeout=10000)


def test_the_planner_answers_as_statsmodels_does(qtbot, page):
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    dialog = page.open_planner()
    qtbot.addWidget(dialog)
    dialog.baseline.setValue(4.0)
    dialog.effect.setValue(1.0)
    dialog.power.setValue(80.0)
    dialog.significance.setValue(5.0)
    dialog.variants.setValue(2)
    dialog.daily.setValue(300)
    dialog.compute_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30000)
    expected = math.ceil(NormalIndPower().solve_power(effect_size=proportion_effectsize(0.05, 0.04), alpha=0.05,
                                                       power=0.8, ratio=1.0, alternative="two-sided"))
    assert dialog.result.per_variant == expected
    assert dialog.result.days == math.ceil(2 * expected / 300)
    assert f"{expected:,} visitors per variant" in dialog.answer.text()
    assert f"about {math.ceil(2 * expected / 300):,} days" in dialog.answer.text()
    _render(dialog, "experiments-planner")

    # A relative effect, three variants: alpha is split over the two comparisons, as the agent says.
    dialog.effect_kind.setCurrentIndex(1)
    dialog.effect.setValue(25.0)
    dialog.variants.setValue(3)
    dialog.compute_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30000)
    expected = math.ceil(NormalIndPower().solve_power(effect_size=proportion_effectsize(0.05, 0.04), alpha=0.025,
                                                       power=0.8, ratio=1.0, alternative="two-sided"))
    assert dialog.result.per_variant == expected

    dialog.baseline.setValue(90.0)   # 90 % + 25 % of it is above 1: the agent's refusal, in words
    dialog.compute_button.click()
    qtbot.waitUntil(lambda: "could not plan" in dialog.answer.text(), timeout=30000)
    assert "minimum_detectable_effect" in dialog.answer.text() or "not below 1" in dialog.answer.text()


def test_declaring_a_winner_moves_the_posts_and_an_illegal_move_is_refused(qtbot, page, sample_stack):
    published, review, approved = _post(page, "published"), _post(page, "in_review"), _post(page, "approved")
    _create(qtbot, page, "Launch post test", [("Published copy", published), ("Review copy", review),
                                              ("Approved copy", approved)])

    # A published post cannot become approved: the API's reason, and nothing after it moved.
    page.winner_choice.setCurrentText("Published copy")
    assert "approves its post and archives" in page.winner_effect.text()
    assert f"“{published.title}” published → approved" in page.winner_effect.text()
    page.declare_button.click()
    qtbot.waitUntil(lambda: page.winner_status.text().startswith("Refused"), timeout=10000)
    assert "a published item cannot become approved; it can become: archived" in page.winner_status.text().lower()
    with signed_in_client(sample_stack, qtbot.waitUntil) as client:
        assert [client.content.get(i.id).status for i in (published, review, approved)] == \
            ["published", "in_review", "approved"]
        with pytest.raises(ValidationFailed) as refused:     # a variant must show a post that exists
            client.experiments.create(name="Ghost", variants=[{"name": "A"}, {"name": "B", "content_id": 999999}])
        assert refused.value.field == "variants[1].content_id"

    page.winner_choice.setCurrentText("Review copy")
    text = page.winner_effect.text()
    assert f"“{review.title}” in review → approved" in text and f"“{published.title}” published → archived" in text
    page.declare_button.click()
    qtbot.waitUntil(lambda: page.winner_status.text().startswith("Review copy is the winner"), timeout=10000)
    with signed_in_client(sample_stack, qtbot.waitUntil) as client:
        assert [client.content.get(i.id).status for i in (published, review, approved)] == \
            ["archived", "approved", "archived"]
    qtbot.waitUntil(lambda: page.controller.content[review.id].status == "approved", timeout=10000)
    qtbot.waitUntil(lambda: "nothing to change" in page.winner_effect.text(), timeout=10000)
    assert not page.declare_button.isEnabled()


def test_the_sample_experiment_renders_in_light_and_dark(qtbot, qapp, page):
    row = next(r for r in range(page.list_model.rowCount()) if page.list_model.record(r).name == "Pre-order button wording")
    page.list.setCurrentIndex(page.list_model.index(row))
    qtbot.waitUntil(lambda: page.result is not None, timeout=30000)
    assert page.result.verdict.status == "winner" and page.chart.has_data
    for name in ("light", "dark"):
        page.set_theme(ThemeManager(qapp, name).apply())
        _render(page, f"experiments-{name}")
    dialog = page.open_planner()
    qtbot.addWidget(dialog)
    assert dialog.baseline.value() == pytest.approx(5.0, abs=0.01)   # the control's rate, 92 of 1,840
    _render(dialog, "experiments-planner-dark")
    page.new_experiment()
    _render(page, "experiments-new")


def test_the_chart_says_no_data_yet_and_picks_a_round_axis(qtbot, qapp):
    chart = IntervalChart(ThemeManager(qapp, "dark").apply())
    qtbot.addWidget(chart)
    chart.set_rows([IntervalRow("A", None, 0.0, 0.0), IntervalRow("B", None, 0.0, 0.0)])
    assert not chart.has_data
    chart.set_rows([IntervalRow("A", 0.05, 0.04, 0.06), IntervalRow("B", None, 0.0, 0.0)])
    assert chart.has_data and chart.minimumHeight() >= 56 + 2 * 34
    assert [nice_top(v) for v in (0.06, 0.2183, 0.0009, 0.0)] == [0.1, 0.5, 0.001, 0.01]
    chart.resize(600, 160)
    chart.grab()    # paints without error with a variant that has no exposures


def test_variants_model_csv_and_winner_plan(qtmodeltester):
    model = VariantsModel()
    model.set_rows([VariantRow("A", 1, 100, 5), VariantRow("B", None, 0, 0)], {1: "First post"})
    qtmodeltester.check(model)
    assert model.data(model.index(0, 1)) == "First post" and model.data(model.index(1, 4)) == "—"
    assert not model.setData(model.index(1, model.EXPOSURES), "many") and "whole number" in model.last_refusal
    assert model.setData(model.index(1, model.EXPOSURES), "1,200") and model.rows()[1].exposures == 1200
    with pytest.raises(ValueError, match="C, which is not a variant"):
        model.apply_counts([("C", 1, 1)])
    assert parse_counts_csv("A,10,1\n\nB,12,2\n") == [("A", 10, 1), ("B", 12, 2)]
    for text, words in [("A,10\n", "line 1"), ("A,10,11\n", "more than"), ("A,1,0\nA,2,0\n", "twice"), ("", "no rows")]:
        with pytest.raises(ValueError, match=words):
            parse_counts_csv(text)
    moves = plan_winner([VariantRow("A", 1), VariantRow("B", 2), VariantRow("C", None)], "B",
                        {1: ("One", "approved"), 2: ("Two", "draft")})
    assert moves.moves == [(2, "Two", "draft", "approved"), (1, "One", "approved", "archived")]


def _render(widget, name):
    """A picture to look at when RENDER_DIR is set."""
    folder = os.environ.get("RENDER_DIR")
    if folder:
        QApplication.processEvents()
        widget.grab().save(os.path.join(folder, f"{name}.png"))
