"""“Try with sample data” in the empty workspace, against the real native stack (real gateway and
agent processes): offered only while the workspace is empty, fills it through the signed-in
SessionController with progress, and then the Brands and Campaigns pages and the Content studio show the sample."""

from __future__ import annotations

from umt import demo
from umt.desktop.controllers.content import ContentController
from umt.desktop.controllers.records import RecordsController
from umt.desktop.controllers.sample_data import SampleDataController
from umt.desktop.views.brands import BrandsPage
from umt.desktop.views.campaigns import CampaignsPage
from umt.desktop.views.content_studio import ContentStudio

from .session_fixtures import signed_in_session


def test_the_empty_workspace_offers_sample_data_and_the_sections_show_it(qtbot, tasks, owner_stack):
    session = signed_in_session(qtbot, tasks, owner_stack)
    sample = SampleDataController.for_session(session)
    assert SampleDataController.for_session(session) is sample, "one per session"
    brands = BrandsPage(RecordsController(session, "brands"), sample_data=sample)
    campaigns = CampaignsPage(RecordsController(session, "campaigns"), RecordsController(session, "brands"),
                              sample_data=sample)
    studio = ContentStudio(ContentController(session), sample_data=sample)
    for page in (brands, campaigns, studio):
        qtbot.addWidget(page)
        page.show()
    qtbot.waitUntil(lambda: brands.sample_button.isVisible() and campaigns.sample_button.isVisible()
                    and studio.sample_button.isVisible(), timeout=10000)

    progress: list[tuple[float, str]] = []
    sample.sig_progressed.connect(lambda fraction, step: progress.append((fraction, step)))
    with qtbot.waitSignal(sample.sig_filled, timeout=60000) as filled:
        brands.sample_button.click()
        qtbot.waitUntil(lambda: campaigns.sample_progress.isVisible(), timeout=10000)
    summary = filled.args[0]
    assert (summary.brands, summary.campaigns, summary.posts) == (1, len(demo.CAMPAIGNS), len(demo.POSTS))
    fractions = [fraction for fraction, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(progress) > len(demo.POSTS)
    assert progress[-1][1] == "Sample data ready"

    qtbot.waitUntil(lambda: brands.model.rowCount() == 1 and campaigns.model.rowCount() == len(demo.CAMPAIGNS),
                    timeout=10000)
    assert not brands.sample_button.isVisible() and not brands.sample_progress.isVisible()
    assert not campaigns.sample_button.isVisible() and not campaigns.list_note.isVisible()
    # Filled from the Brands page, the Content studio shows the posts too, and says what came in.
    qtbot.waitUntil(lambda: studio.controller.list_model.total == len(demo.POSTS), timeout=10000)
    assert not studio.sample_button.isVisible() and "Added 1 brand" in studio.notice.text()
    brands.list.setCurrentIndex(brands.model.index(0))
    assert brands.name.text() == demo.BRAND["name"]
    assert brands.keyphrases.items() == demo.BRAND["keyphrases"]

    # A second fill into a workspace that is no longer empty is refused in words, and adds nothing.
    with qtbot.waitSignal(sample.sig_fill_failed, timeout=10000) as refused:
        sample.fill()
    assert "empty" in refused.args[0].message
    assert brands.sample_step.text() == refused.args[0].message
    qtbot.waitUntil(lambda: brands.model.rowCount() == 1, timeout=10000)
