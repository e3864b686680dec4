"""The agreement over time: each distinct agreement is a version, named by a hash of its
content. The content is the parsed TOML written as canonical JSON (keys sorted, no
whitespace), so comments, layout and key order do not make a new version; a changed value
does. What changed between two versions is said key by key, in words
(`leads.response.good_fit_interested: 4h -> 2h`).

The process marks the agreement it runs under with the id its version was recorded under
(`mark`), so that what opens an item, or sets its window, can stamp it with that id
(`version_of`) from the agreement it is handed, whatever kind it is.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from slaengine.agreement.config import Agreement, AgreementError, Section, load_agreement

#: how many characters of a hash name a version where people read it
SHORT = 12


# -- content and hash --------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A TOML value as JSON can hold it: dates and times as ISO 8601 text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def canonical(data: Mapping[str, Any]) -> str:
    """The agreement's content: the parsed TOML as JSON with sorted keys and no whitespace."""
    return json.dumps(_plain(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_of(text: str, source: str = "<agreement>") -> str:
    """The canonical content of an agreement file's text (comments and layout dropped)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgreementError(source, [f"not valid TOML: {exc}"]) from None
    return canonical(data)


def fingerprint(content: str) -> str:
    """The version's name: the SHA-256 of its canonical content, in hex."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Read:
    """An agreement file read once: the agreement, its canonical content and its hash."""

    agreement: Agreement
    content: str
    hash: str
    source: str


def read_agreement(path: str | Path, sections: Sequence[Section[Any]] | None = None) -> Read:
    """Load the agreement at `path` (as `load_agreement` does, with the same errors, every
    table of the kinds that bring `sections` checked) and name its version, from the one
    reading of the file."""
    agreement = load_agreement(path, sections)
    content = canonical(agreement.data)
    return Read(agreement, content, fingerprint(content), agreement.source)


# -- what changed, in words ----------------------------------------------------------------------


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    """Each leaf of `value` under its dotted key. A list of tables that each have a distinct
    `key` (the deliverables) is keyed by it (`deliverables.blog.count`), any other list of
    tables by position; a list of plain values is one value."""
    if isinstance(value, dict):
        if not value and prefix:
            out[prefix] = value
        for name, inner in value.items():
            _flatten(inner, f"{prefix}.{name}" if prefix else str(name), out)
        return
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        names = [v.get("key") for v in value]
        if all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
            for name, table in zip(names, value, strict=True):
                rest = {k: v for k, v in table.items() if k != "key"}
                _flatten(rest, f"{prefix}.{name}", out)
        else:
            for i, table in enumerate(value):
                _flatten(table, f"{prefix}.{i}", out)
        return
    out[prefix] = value


def flatten(content: str | Mapping[str, Any]) -> dict[str, Any]:
    """The content's leaves by dotted key (`leads.response.good_fit_interested`)."""
    data = json.loads(content) if isinstance(content, str) else _plain(content)
    out: dict[str, Any] = {}
    _flatten(data, "", out)
    return out


def say(value: Any) -> str:
    """A value as the agreement file shows it, without quotes where none are needed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value.strip() == value and value else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(say(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}" if not value else json.dumps(value, sort_keys=True)
    return str(value)


def diff(old: str | Mapping[str, Any], new: str | Mapping[str, Any]) -> list[str]:
    """What changed from `old` to `new`, one line a key, in key order:
    `key: old -> new`, `key: added, value`, `key: removed, was value`."""
    before, after = flatten(old), flatten(new)
    lines = []
    for key in sorted(before.keys() | after.keys()):
        if key not in after:
            lines.append(f"{key}: removed, was {say(before[key])}")
        elif key not in before:
            lines.append(f"{key}: added, {say(after[key])}")
        elif before[key] != after[key] or type(before[key]) is not type(after[key]):
            lines.append(f"{key}: {say(before[key])} -> {say(after[key])}")
    return lines


# -- the version a process runs under --------------------------------------------------------


def mark(agreement: Agreement, version_id: int) -> None:
    """`agreement` is the one recorded as version `version_id`: items it opens, or whose
    window it sets, are stamped with that id. The mark goes with the agreement object (and
    the copies made of it, its people looked up)."""
    agreement.mark_version(version_id)


def version_of(agreement: Agreement) -> int | None:
    """The id of the version `agreement` was recorded as (None: not recorded, as in tests
    and the commands that read only)."""
    return agreement.version_id
