"""Content requests in `slabot demo`: one asked, moved to another day, and delivered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kinds.request import ui as requests

if TYPE_CHECKING:  # the demo plays the scenes on its stage
    from bot.demo.stage import Demo
    from bot.plugin import Scene


def scenes() -> list[Scene]:
    refs: dict[str, str] = {}

    def request(demo: Demo) -> None:
        demo.say("Alice asks marketing for a piece: `/sla request ROI one-pager by 2026-11-26`")
        demo.answer(
            lambda: requests.request_content(
                demo.c, text="ROI one-pager by 2026-11-26", actor="U0ALICE", request="d1"
            )
        )
        demo.say("She asks for Monday instead: `/sla request ROI one-pager by 2026-11-30`")
        asked = requests.request_content(
            demo.c, text="ROI one-pager by 2026-11-30", actor="U0ALICE", request="d2"
        )
        refs["request"] = asked.item.ref
        demo.out.write(f"  bot answers privately: {asked.item.ref} requested, due Mon 30 Nov\n")
        demo.deliver()

    def deliver_request(demo: Demo) -> None:
        ref = refs["request"]
        demo.say(f"Erin delivers the one-pager: `/sla done request {ref} https://acme.example/roi`")
        demo.answer(
            lambda: requests.deliver_request(
                demo.c, ref=ref, link="https://acme.example/roi", actor="U0ERIN"
            )
        )

    return [((0, 11, 30), request), ((3, 10, 0), deliver_request)]
