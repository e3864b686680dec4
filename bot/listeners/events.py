"""Events: opening the App Home tab publishes the person's own view."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.container import Container
from bot.items import home
from bot.items import ui as kinds
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.scorecard import standing
from slaengine.scorecard import store as scorecard_repo

log = logging.getLogger(__name__)


def home_view(c: Container, user: str) -> dict[str, Any]:
    """`user`'s Home tab as of now: their open items with their buttons, their last four
    weeks, their team's week, who is behind (for those who oversee), the agreement."""
    agreement, now = c.agreement, c.clock.now()
    zone = agreement.zone
    teams = {
        name: (
            [c.resolve(m) for m in team.members],
            c.resolve(team.manager) if team.manager else None,
        )
        for name, team in agreement.teams.items()
    }
    team = standing.team_of(teams, user)
    members = teams[team][0] if team else []
    weeks = standing.last_weeks(zone, now)
    since, until = standing.span(zone, weeks)
    owners = sorted({user, *members})
    with unit_of_work(c.engine) as session:
        page, items = kinds.mine(session, agreement, user, now, uis=c.uis)
        rows = scorecard_repo.figure_rows(session, owners, since, until)
        responses = [r for p in c.plugins for r in p.responses(session, owners, since, until)]
        counts = item_repo.open_counts_by_owner(session, now)
    yours = standing.figures(
        rows,
        [r for r in responses if r.owner_id == user],
        agreement.calendar,
        weeks,
        now,
        of={user},
    )
    parts = [home.figures_blocks(yours, zone.key)]
    if team is not None:
        by_owner = {owner: (n, late, risky) for owner, n, late, risky in counts}
        parts.append(
            home.standing_blocks(
                standing.team_standing(
                    team, members, user, rows, responses, agreement.calendar, now, by_owner
                )
            )
        )
    if agreement.may_oversee(user):
        scope, among = standing.oversight(teams, user, is_admin=agreement.is_admin(user))
        overdue, worst = standing.furthest_behind(counts, among)
        parts.append(home.oversight_blocks(scope, overdue, worst))
    windows = [line for plugin in c.plugins for line in plugin.windows(agreement, team)]
    parts.append(home.agreement_blocks(agreement, team, windows))
    return home.home_view(items, page.more, parts)


def publish_home(c: Container, client: Any, user: str) -> None:
    """Republish `user`'s Home tab after they changed their items elsewhere; a failure is
    logged, never passed on to what they did."""
    try:
        client.views_publish(user_id=user, view=home_view(c, user))
    except Exception:
        log.exception("could not republish the Home tab of %s", user)


def register(app: App, container: Container) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: Any) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        client.views_publish(user_id=user, view=home_view(container, user))
