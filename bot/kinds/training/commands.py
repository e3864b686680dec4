"""`/sla` verbs about training: `training` (announce a session, or share its recording) and
`attend` (check in)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.container import Container
from bot.kinds.training import ui as training_cases
from bot.listeners.commands import command_key, say_privately
from slaengine.kinds.training import rules as training
from slaengine.kinds.training.rules import local_text


def announce(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla training <title> on <when> for <launch date> [duration]`, or
    `/sla training <ref> recording <link>`."""
    recording = training.split_recording(rest)
    if recording is not None:
        ref, link = recording
        message = training_cases.send_recording(c, ref=ref, link=link, actor=command["user_id"])
        say_privately(respond, f":clapper: {message}")
        return
    request = command_key(command)
    done = training_cases.announce(c, text=rest, actor=command["user_id"], request=request)
    t = done.training
    invited = len(done.seats) if done.created else "its"
    say_privately(
        respond,
        f":mortar_board: {done.item.ref} announced: {t.title}, "
        f"{local_text(t.starts_at, c.agreement.zone)} for the launch on {t.launch_on}; "
        f"{invited} attendees and {c.agreement.agreement.scorecard_channel} are invited.",
    )


def attend(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    """`/sla attend <training ref>`."""
    message = training_cases.check_in(c, ref=rest.strip(), user=command["user_id"])
    say_privately(respond, f":white_check_mark: {message}")
