"""What one kind of obligation brings to slabot: its engine kinds, how its items are drawn,
its `/sla` verbs, its buttons and forms, its help lines and its sweep steps. The composition
root is given the plugins in one list (`bot.plugins.PLUGINS`); the generic parts ask them,
never a kind by name.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import App, Respond
from sqlmodel import Session
from starlette.routing import Route

from bot.blocks import Block
from bot.kindui import KindUI
from slaengine.agreement.config import Agreement, Section
from slaengine.engine.erasure import Erased
from slaengine.engine.kind import Kind, ResponseRow
from slaengine.scorecard.sources import Sources

if TYPE_CHECKING:
    from bot.container import Container
    from bot.demo.stage import Demo

#: a `/sla` verb: (container, the command's payload, the words after the verb, respond, client)
Verb = Callable[["Container", dict[str, Any], str, Respond, Any], None]
#: registers a plugin's buttons and forms with the Bolt app
Listen = Callable[[App, "Container"], None]
#: (session, owners, since, until): when each item of theirs was handed over and first touched
Responses = Callable[[Session, Sequence[str], datetime, datetime], list[ResponseRow]]
#: a scene of `slabot demo`: when it starts (day of the demo's week from Monday 0, hour,
#: minute) and what it does on the stage
Scene = tuple[tuple[int, int, int], Callable[["Demo"], None]]
#: a step of every sweep after the items' thresholds: returns how many things it did
Job = Callable[["Container", datetime], int]


@dataclass(frozen=True)
class Plugin:
    name: str
    kinds: tuple[Kind, ...]
    uis: tuple[KindUI, ...] = ()
    verbs: Mapping[str, Verb] = field(default_factory=dict)
    #: verbs that change the actor's own items: their Home tab is republished after them
    changes_own: frozenset[str] = frozenset()
    listen: tuple[Listen, ...] = ()
    #: `/sla help` lines: (usage after `/sla `, what it does)
    usage: tuple[tuple[str, str], ...] = ()
    #: how `/sla help` says this plugin's items are named, e.g. "a training by its ref (`T-1042`)"
    naming: str = ""
    #: sweep steps, each with the words the pass's log line counts it in
    jobs: tuple[tuple[str, Job], ...] = ()
    #: the headings delivery gives this plugin's topics when one message carries several
    titles: Mapping[str, str] = field(default_factory=dict)
    #: the lines App Home shows of the agreement's windows for a team (every team: None)
    windows: Callable[[Agreement, str | None], list[str]] = lambda agreement, team: []
    #: the lines `slabot config check` prints of this plugin's part of an agreement it found
    #: sound (a lead's ladder, say)
    checked: Callable[[Agreement], list[str]] = lambda agreement: []
    #: the blocks `/sla show` gives this plugin's part of the agreement
    shown: Callable[[Agreement], list[Block]] = lambda agreement: []
    #: first responses of `owners`' items handed over in [since, until), for their figures
    responses: Responses = lambda session, owners, since, until: []
    #: web routes `slabot run` serves for this kind (a CRM's webhook, say), each made for the
    #: container
    routes: tuple[Callable[[Container], Route], ...] = ()
    #: `slabot` commands this kind carries out, by name (the CLI parses their arguments)
    cli: Mapping[str, Callable[[Container, argparse.Namespace], int]] = field(default_factory=dict)
    #: lines `slabot status` prints after the items (a CRM's events waiting or refused)
    status: Callable[[Container], list[str]] = lambda c: []
    #: what `/healthz` adds to its answer (a CRM's backlog): plain JSON values by key
    health: Callable[[Container], dict[str, Any]] = lambda c: {}
    #: this kind's scenes in `slabot demo` (made afresh for each run: they may share state)
    demo: Callable[[], Sequence[Scene]] = lambda: ()
    #: the tables of the agreement this kind brings (`slaengine/kinds/<kind>/agreement.py`)
    sections: tuple[Section[Any], ...] = ()
    #: what this kind brings to the weekly scorecard beyond its items' tallies
    figures: Sources = field(default_factory=Sources)
    #: erase what this plugin keeps about a person another kind forgot (`slabot forget`, a
    #: CRM's deletion), in the same transaction; returns how many rows it changed
    forget: Callable[[Session, Erased], int] = lambda session, erased: 0


def sections_of(plugins: Sequence[Plugin]) -> tuple[Section[Any], ...]:
    """Every table of the agreement the plugged-in kinds bring, in the plugin list's order."""
    return tuple(section for plugin in plugins for section in plugin.sections)
