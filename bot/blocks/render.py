"""Block Kit as readable text, for the demo and the CLI."""

from __future__ import annotations

import re
from typing import Any

_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_USER = re.compile(r"<@([A-Z0-9]+)>")


def inline(text: str) -> str:
    text = _DATE.sub(r"\1", text)
    return _USER.sub(r"@\1", text)


def blocks_to_text(blocks: list[dict[str, Any]] | None, fallback: str = "") -> str:
    if not blocks:
        return inline(fallback)
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = inline(block["text"]["text"])
            lines += [title, "=" * len(title)]
        elif kind == "section":
            if "text" in block:
                lines.append(inline(block["text"]["text"]))
            lines += [inline(f["text"]) for f in block.get("fields", [])]
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                lines.append(f"  [{accessory['text']['text']}]")
        elif kind == "context":
            lines.append("  " + " | ".join(inline(e.get("text", "")) for e in block["elements"]))
        elif kind == "actions":
            labels = [f"[{e['text']['text']}]" for e in block["elements"] if "text" in e]
            lines.append("  " + " ".join(labels))
        elif kind == "divider":
            lines.append("-" * 40)
    return "\n".join(lines)
