"""The main window's sections, in sidebar order: adding a section is one entry in SECTIONS.

Each entry names the section, its icon (resources/icons/sections/<icon>.svg, stroked in the
theme's colours) and what it is for, and gives a factory that builds its page from the
SectionContext. Its shortcut is Ctrl+<position> (1 to 9). A section whose page is not built yet
has `make_page=None` and shows an empty state saying what it is for, with the next action (Start
the stack, Sign in). A section that works on the gateway says `needs_session=True`: it shows
that empty state until the SessionController (context.session) is signed in, then its page, which
is built then and kept while signed out, so nothing typed is lost. Pages are built the first time
they are shown; a page may define `set_theme(theme)` to repaint when the theme changes.

Factories import their page's module inside the function, so opening the app does not import
every section's code, and a section's branch touches only its own entry here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtWidgets import QWidget

from umt.desktop.controllers.stack import StackController
from umt.desktop.tasks import TaskManager
from umt.desktop.theme import Theme


@dataclass
class SectionContext:
    """What a page factory gets: the controllers, the task helper, the theme and navigation."""

    stack: StackController
    tasks: TaskManager
    theme: Theme
    show_section: Callable[[str], None]                 # switches the main window to a section by key
    session: object | None = None                       # the SessionController (controllers/session.py)
    request_sign_in: Callable[[], None] | None = None   # shows the sign-in page, when there is one
    sign_in_page: QWidget | None = None                 # the workspace's one sign-in page (views/sign_in_page.py)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    icon: str
    purpose: str    # one or two sentences: what the owner does here (empty state, tooltip)
    make_page: Callable[[SectionContext], QWidget] | None = None
    needs_session: bool = False     # the page is shown only while signed in


def _control_center(context: SectionContext) -> QWidget:
    from umt.desktop.views.control_center import ControlCenterPage

    return ControlCenterPage(context.stack, context.theme)


def _content(context: SectionContext) -> QWidget:
    from umt.desktop.controllers.content import ContentController
    from umt.desktop.controllers.sample_data import SampleDataController
    from umt.desktop.views.content_studio import ContentStudio

    studio = ContentStudio(ContentController(context.session), sample_data=SampleDataController.for_session(context.session))
    studio.set_theme(context.theme)
    return studio


def _brands(context: SectionContext) -> QWidget:
    from umt.desktop.controllers.records import RecordsController
    from umt.desktop.controllers.sample_data import SampleDataController
    from umt.desktop.views.brands import BrandsPage

    return BrandsPage(RecordsController(context.session, "brands"),
                      sample_data=SampleDataController.for_session(context.session))


def _campaigns(context: SectionContext) -> QWidget:
    from umt.desktop.controllers.records import RecordsController
    from umt.desktop.controllers.sample_data import SampleDataController
    from umt.desktop.views.campaigns import CampaignsPage

    return CampaignsPage(RecordsController(context.session, "campaigns"), RecordsController(context.session, "brands"),
                         sample_data=SampleDataController.for_session(context.session))


def _calendar(context: SectionContext) -> QWidget:
    from umt.desktop.controllers.calendar import CalendarController
    from umt.desktop.views.calendar import CalendarPage

    return CalendarPage(CalendarController(context.session), context.theme)


def _analytics(context: SectionContext) -> QWidget:
    from umt.desktop.controllers.analytics import AnalyticsController
    from umt.desktop.views.analytics import AnalyticsPage

    return AnalyticsPage(AnalyticsController(context.session), context.theme)


def _experiments(context: SectionContext) -> QWidget:
    from umt.desktop.controllers.experiments import ExperimentsController
    from umt.desktop.views.experiments import ExperimentsPage

    return ExperimentsPage(ExperimentsController(context.session), context.theme)


def _channels(context: SectionContext) -> QWidget:
    from umt.desktop.controllers.channels import ChannelsController
    from umt.desktop.views.channels import ChannelsPage

    return ChannelsPage(ChannelsController(context.session), context.theme)


CONTROL_CENTER = "control_center"

SECTIONS: list[Section] = [
    Section(
        CONTROL_CENTER,
        "Control center",
        "control-center",
        "Start and stop the stack, see each service's health, CPU and memory, and read its logs.",
        _control_center,
    ),
    Section(
        "content",
        "Content",
        "content",
        "Write posts for each channel, draft them with AI, see their score as you type and move them from draft to published.",
        _content,
        needs_session=True,
    ),
    Section(
        "campaigns",
        "Campaigns",
        "campaigns",
        "Plan campaigns with a goal, channels, dates and a budget, and keep their content together.",
        _campaigns,
        needs_session=True,
    ),
    Section(
        "brands",
        "Brands",
        "brands",
        "Keep each brand's voice: tone, audience, banned words, keyphrases, hashtags and sample posts.",
        _brands,
        needs_session=True,
    ),
    Section(
        "calendar",
        "Calendar",
        "calendar",
        "See the month or week of posts, drag them to reschedule, find your best times and let the planner "
        "propose a month; subscribe to it from your calendar app.",
        _calendar,
        needs_session=True,
    ),
    Section(
        "experiments",
        "Experiments",
        "experiments",
        "Test two or more versions of a post, see which converts better and by how much, plan how many "
        "visitors a test needs, and declare the winner.",
        _experiments,
        needs_session=True,
    ),
    Section(
        "analytics",
        "Analytics",
        "analytics",
        "See how your posts did: impressions, engagements and rates over time, the top content and the best "
        "hours, and import metrics from a CSV file.",
        _analytics,
        needs_session=True,
    ),
    Section(
        "channels",
        "Channels",
        "channels",
        "Connect the accounts umt publishes to (Bluesky, Mastodon, a newsletter, WordPress, webhooks), test "
        "them and reconnect them when a sign-in runs out.",
        _channels,
        needs_session=True,
    ),
]

MAX_SHORTCUTS = 9


def shortcut_for(position: int) -> str:
    """Ctrl+1 for the first section … Ctrl+9 for the ninth; later ones have none."""
    return f"Ctrl+{position + 1}" if position < MAX_SHORTCUTS else ""
