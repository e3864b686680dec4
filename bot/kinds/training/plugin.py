"""Training in slabot: marketing announces a session before a launch, sales answers, checks in
and attends."""

from __future__ import annotations

from bot.kinds.training import actions, commands, demo
from bot.kinds.training.ui import AttendanceUI, SessionUI
from bot.plugin import Plugin
from slaengine.kinds.training.agreement import SECTIONS
from slaengine.kinds.training.rules import ATTENDEES, SESSIONS

PLUGIN = Plugin(
    sections=SECTIONS,
    name="training",
    kinds=(SESSIONS, ATTENDEES),
    uis=(SessionUI(), AttendanceUI()),
    verbs={"training": commands.announce, "attend": commands.attend},
    changes_own=frozenset({"attend"}),
    listen=(actions.register,),
    usage=(
        (
            "training <title> on <when> for <launch date> [duration]",
            "announce a training (marketing), e.g. `training Product X on 2026-12-08 14:00 for "
            "2026-12-16 90m`; sales is invited",
        ),
        (
            "training <ref> recording <link>",
            "send the recording to everyone who missed the session",
        ),
        ("attend <training>", "check in to a training (from 15 minutes before the start)"),
    ),
    naming="a training by its ref (`T-1042`)",
    demo=demo.scenes,
)
