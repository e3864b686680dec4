"""Who is who in the workspace: what the engine asks to turn an e-mail into a person."""

from __future__ import annotations

from typing import Protocol


class Directory(Protocol):
    """Who is who in the workspace (Slack's users.lookupByEmail behind it in production)."""

    def user_id_for_email(self, email: str) -> str | None: ...
