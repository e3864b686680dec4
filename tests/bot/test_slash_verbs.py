"""How `/sla` finds the verb: a kind may bring a verb of two words under another kind's first
word (`done request` beside content's `done`), and the longer one wins."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import cast

import pytest

from bot.container import Container
from bot.listeners.commands import Verb, split_verb, verbs
from bot.plugins import PLUGINS


@pytest.fixture
def known() -> Mapping[str, Verb]:
    return verbs(cast(Container, SimpleNamespace(plugins=PLUGINS)))


def test_the_request_kind_and_the_content_kind_each_bring_their_own_done(
    known: Mapping[str, Verb],
) -> None:
    by_plugin = {p.name: p for p in PLUGINS}
    assert known["done request"] is by_plugin["request"].verbs["done request"]
    assert known["done"] is by_plugin["content"].verbs["done"]


@pytest.mark.parametrize(
    ("text", "verb", "rest"),
    [
        ("done request R-1042 https://a.example/x", "done request", "R-1042 https://a.example/x"),
        ("Done Request r-1042", "done request", "r-1042"),
        ("done request", "done request", ""),
        ("done blog Answer every lead", "done", "blog Answer every lead"),
        ("done", "done", ""),
        ("MINE", "mine", ""),
        ("", "", ""),
    ],
)
def test_a_verb_of_two_words_is_found_before_its_first_word(
    known: Mapping[str, Verb], text: str, verb: str, rest: str
) -> None:
    assert split_verb(text, known) == (verb, rest)
