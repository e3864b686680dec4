"""Marketing's content in `slabot demo`: a blog post logged and used, a campaign launch and a
case study logged, and `/sla mine` for marketing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kinds.content import ui as content

if TYPE_CHECKING:  # the demo plays the scenes on its stage
    from bot.demo.stage import Demo
    from bot.plugin import Scene


def scenes() -> list[Scene]:
    def blog(demo: Demo) -> None:
        demo.say(
            "Erin logs a blog post: `/sla done blog Answer every lead within the hour "
            "https://acme.example/blog/hour`"
        )
        post = content.log_deliverable(
            demo.c,
            key="blog",
            words="Answer every lead within the hour https://acme.example/blog/hour",
            actor="U0ERIN",
            request="demo-blog-1",
        )
        demo.out.write(f"  bot answers privately: {post.message}\n")
        demo.deliver()
        piece = post.piece.id if post.piece and post.piece.id else 0
        demo.say("Alice clicks *Used it* on the post in the channel")
        demo.answer(lambda: content.use_piece(demo.c, piece_id=piece, user="U0ALICE"))

    def campaign(demo: Demo) -> None:
        demo.say("Carol logs a campaign launch: `/sla campaign Winter webinar`")
        demo.answer(
            lambda: (
                content.log_campaign(
                    demo.c, words="Winter webinar", actor="U0CAROL", request="demo-k1"
                ).message
            )
        )

    def case_study(demo: Demo) -> None:
        demo.say("Erin logs a case study: `/sla done case-study Globex cut response time 80%`")
        demo.answer(
            lambda: (
                content.log_deliverable(
                    demo.c,
                    key="case-study",
                    words="Globex cut response time 80%",
                    actor="U0ERIN",
                    request="demo-case-1",
                ).message
            )
        )

    def mine(demo: Demo) -> None:
        demo.say("Carol types `/sla mine`: marketing's cycles and requests")
        demo.mine("U0CAROL")

    return [
        ((0, 11, 15), blog),
        ((0, 12, 0), campaign),
        ((3, 11, 0), case_study),
        ((4, 15, 0), mine),
    ]
