"""What the engine's verbs raise when a person asks for something not allowed."""

from __future__ import annotations


class Refusal(Exception):
    """An action that is not allowed or makes no sense; the message says why, for the user."""
