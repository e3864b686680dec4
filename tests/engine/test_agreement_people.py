"""The people an agreement names by e-mail address: found by their keys' type wherever they
are, each address asked of the directory once, and named by Slack ID where it knows them."""

from __future__ import annotations

from slaengine.agreement.config import people_by_email, reference_agreement_path, with_people
from slaengine.engine.directory import UnknownPerson, know_people
from tests.support.agreement import parse_agreement

REFERENCE = reference_agreement_path().read_text(encoding="utf-8")


def written(*replacements: tuple[str, str]) -> str:
    text = REFERENCE
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


WHITEPAPER = '\n[[deliverables]]\nkey = "whitepaper"'
BY_EMAIL = written(
    ('admins = ["U0DAVE", "U0CAROL"]', 'admins = ["U0DAVE", "carol@acme.example"]'),
    ('contact = "U0CAROL"', 'contact = "Carol@Acme.example"'),
    ('members = ["U0ALICE", "U0BOB"]', 'members = ["U0ALICE", "bob@acme.example"]'),
    ('manager = "U0DAVE"', 'manager = "dave@acme.example"'),
    (WHITEPAPER, 'escalate = ["manager", "ops@acme.example", "#content"]\n' + WHITEPAPER),
    (
        "[content_requests]",
        '[content]\nescalate = ["ops@acme.example", "channel"]\n\n[content_requests]',
    ),
)


class Asked:
    """A directory from a mapping that counts what it was asked."""

    def __init__(self, people: dict[str, str]) -> None:
        self.people = people
        self.asked: list[str] = []

    def user_id_for_email(self, email: str) -> str | None:
        self.asked.append(email)
        return self.people.get(email.strip().lower())


def test_every_key_naming_a_person_by_e_mail_is_found_in_the_files_order() -> None:
    assert people_by_email(parse_agreement(BY_EMAIL)) == [
        ("agreement.admins.1", "carol@acme.example"),
        ("teams.marketing.contact", "Carol@Acme.example"),
        ("teams.sales.members.1", "bob@acme.example"),
        ("teams.sales.manager", "dave@acme.example"),
        ("deliverables.0.escalate.1", "ops@acme.example"),
        ("content.escalate.0", "ops@acme.example"),
    ]


def test_the_reference_agreement_names_nobody_by_e_mail_and_is_left_as_it_is() -> None:
    reference = parse_agreement(REFERENCE)
    directory = Asked({})
    known = know_people(reference, directory)
    assert people_by_email(reference) == []
    assert known.agreement is reference and known.unknown == () and directory.asked == []


def test_people_known_to_the_directory_are_named_by_slack_id_and_the_rest_kept() -> None:
    agreement = with_people(
        parse_agreement(BY_EMAIL),
        {"carol@acme.example": "U0CAROL", "ops@acme.example": "U0OPS"},
    )
    assert agreement.agreement.admins == ("U0DAVE", "U0CAROL")
    assert agreement.marketing.contact == "U0CAROL"
    assert agreement.sales.members == ("U0ALICE", "bob@acme.example")
    assert agreement.sales.manager == "dave@acme.example"
    assert agreement.deliverables[0].escalate == ("manager", "U0OPS", "#content")
    assert agreement.content.escalate == ("U0OPS", "channel")
    assert agreement.is_admin("U0CAROL")
    assert agreement.zone == parse_agreement(BY_EMAIL).zone


def test_each_address_is_asked_once_and_each_key_of_an_unknown_one_is_named() -> None:
    directory = Asked({"carol@acme.example": "U0CAROL", "bob@acme.example": "U0BOB"})
    known = know_people(parse_agreement(BY_EMAIL), directory)
    assert sorted(a.lower() for a in directory.asked) == [
        "bob@acme.example",
        "carol@acme.example",
        "dave@acme.example",
        "ops@acme.example",
    ]
    assert known.unknown == (
        UnknownPerson("teams.sales.manager", "dave@acme.example"),
        UnknownPerson("deliverables.0.escalate.1", "ops@acme.example"),
        UnknownPerson("content.escalate.0", "ops@acme.example"),
    )
    assert str(known.unknown[0]) == (
        "teams.sales.manager: no Slack user has the e-mail address 'dave@acme.example'"
    )
    assert (known.agreement.marketing.contact, known.agreement.sales.members) == (
        "U0CAROL",
        ("U0ALICE", "U0BOB"),
    )
    again = Asked(directory.people)
    assert know_people(known.agreement, again).unknown == known.unknown
    assert sorted(again.asked) == ["dave@acme.example", "ops@acme.example"]
