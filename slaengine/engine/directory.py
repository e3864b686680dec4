"""Who is who in the workspace: what the engine asks to turn an e-mail into a person, and
the agreement's people named by Slack ID where the agreement wrote their e-mail address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from slaengine.agreement.config import Agreement, people_by_email, with_people


class Directory(Protocol):
    """Who is who in the workspace (Slack's users.lookupByEmail behind it in production)."""

    def user_id_for_email(self, email: str) -> str | None: ...


@dataclass(frozen=True)
class UnknownPerson:
    """A key of the agreement naming an e-mail address no Slack user has."""

    key: str
    email: str

    def __str__(self) -> str:
        return f"{self.key}: no Slack user has the e-mail address {self.email!r}"


@dataclass(frozen=True)
class KnownPeople:
    """The agreement with its people named by Slack ID wherever the directory knows them,
    and the keys whose address it does not know (those keep the address as written)."""

    agreement: Agreement
    unknown: tuple[UnknownPerson, ...]


def know_people(agreement: Agreement, directory: Directory) -> KnownPeople:
    """Look up each person the agreement names by e-mail address (each address once) and
    name them by their Slack ID instead, so that whatever reads the agreement (who owns a
    kind's item, who is a member of a team) sees Slack IDs. People already named by ID are
    not looked up: on an agreement whose people are all known, this asks nothing."""
    written = people_by_email(agreement)
    answers: dict[str, str | None] = {}
    for _, email in written:
        address = email.strip().lower()
        if address not in answers:
            answers[address] = directory.user_id_for_email(email)
    found = {address: user for address, user in answers.items() if user is not None}
    unknown = tuple(
        UnknownPerson(key, email) for key, email in written if email.strip().lower() not in found
    )
    return KnownPeople(with_people(agreement, found) if found else agreement, unknown)
