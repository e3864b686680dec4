"""Checks every kind's verbs share: a title short enough to show, a link that is a link, a
person on a team."""

from __future__ import annotations

from urllib.parse import urlsplit

from slaengine.agreement.config import Agreement
from slaengine.engine.errors import Refusal

#: a title is shown in Block Kit texts and headers: a header holds 150 characters
MAX_TITLE = 150


MAX_LINK = 1000


def check_title(title: str, usage: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise Refusal(f"What is it called? Usage: `{usage}`")
    if len(title) > MAX_TITLE:
        raise Refusal(
            f"The title is {len(title)} characters long; Slack shows at most {MAX_TITLE} "
            "in a title. Shorten it."
        )
    return title


def check_link(link: str | None) -> str | None:
    """A link must be an http(s) URL with a host; None (no link) is fine."""
    if link is None or not link.strip():
        return None
    link = link.strip().removeprefix("<").removesuffix(">").split("|")[0]  # Slack's <url|text>
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in link for c in " <>"):
        raise Refusal(f"{link!r} is not a link: it must start with http:// or https://.")
    if len(link) > MAX_LINK:
        raise Refusal(f"The link is {len(link)} characters long; at most {MAX_LINK}.")
    return link


def member_of(agreement: Agreement, team: str, user: str) -> bool:
    owning = agreement.teams.get(team)
    return owning is not None and user in owning.members
