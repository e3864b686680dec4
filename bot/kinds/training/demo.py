"""The demo's training part: marketing announces a session for a launch, one rep answers
*Going* and checks in, the other is reminded, prompted at the start and sent the recording."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kinds.training import ui as training

if TYPE_CHECKING:
    from bot.demo.stage import Demo
    from bot.plugin import Scene


def training_week(demo: Demo) -> None:
    """From Friday 27 November to Monday 30 November 2026 (days 4 to 7 of the demo)."""
    demo.at(4, 16, 20)
    text = "Product X deep dive on 2026-11-30 14:00 for 2026-12-03"
    demo.say(f"Erin announces a training: `/sla training {text}`")
    demo.answer(lambda: training.announce(demo.c, text=text, actor="U0ERIN", request="demo-t0"))
    text = "Product X deep dive on 2026-11-30 14:00 for 2026-12-08"
    demo.say(f"Too little notice before that launch; for the next one: `/sla training {text}`")
    done = training.announce(demo.c, text=text, actor="U0ERIN", request="demo-t1")
    ref = done.item.ref
    demo.out.write(f"  bot answers privately: {ref} announced; sales is invited\n")
    demo.deliver()
    demo.at(4, 16, 40)
    demo.say(f"Alice clicks *Going* on her invitation to {ref}")
    demo.answer(lambda: training.rsvp(demo.c, ref=ref, user="U0ALICE", going=True))
    demo.at(6, 14, 0)
    demo.say("Sunday 14:00, a day before: Bob has not answered; his reminder waits for Monday")
    demo.deliver()
    demo.at(7, 9, 5)
    demo.say("Monday morning: Bob's reminder goes out (with the start-of-day digests)")
    demo.deliver()
    demo.at(7, 13, 30)
    demo.say(f"Alice tries to check in early: `/sla attend {ref}`")
    demo.answer(lambda: training.check_in(demo.c, ref=ref, user="U0ALICE"))
    demo.at(7, 13, 50)
    demo.say(f"Alice checks in: `/sla attend {ref}`")
    demo.answer(lambda: training.check_in(demo.c, ref=ref, user="U0ALICE"))
    demo.at(7, 14, 1)
    demo.say("The session starts: Bob's reminder becomes the prompt to check in")
    demo.deliver()
    demo.at(7, 15, 1)
    demo.say("The session is over: Alice attended, Bob is absent")
    demo.deliver()
    demo.say(f"Erin shares the recording: `/sla training {ref} recording https://acme.example/rec`")
    demo.answer(
        lambda: training.send_recording(
            demo.c, ref=ref, link="https://acme.example/rec", actor="U0ERIN"
        )
    )


def scenes() -> list[Scene]:
    return [((4, 16, 20), training_week)]
