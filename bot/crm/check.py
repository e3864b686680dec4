"""`slabot crm check`: whether every field the agreement's `write_back` names exists in its
CRM and can be written, asked of the CRM itself (HubSpot's properties API, Salesforce's
Lead describe), so that a missing field is found before the first write, not at 3 a.m.

Exit 0: every field is there and writable. 1: some are not (each named, with the type to
create it with). 2: nothing to check (no `write_back` table), a variable the CRM needs is not
set (named), or the CRM cannot be reached."""

from __future__ import annotations

import argparse

from bot.container import Container
from bot.crm.writeback import configured, missing_settings, writer_for
from bot.crm.writers import CrmBusy, CrmField, CrmRefused
from slaengine.crm import hubspot
from slaengine.crm.config import CRM_TABLE, WRITE_BACK

#: the field types each kind of outcome may be written to, per CRM, and the one to create
HUBSPOT_TYPES = {
    "datetime": ({"datetime"}, "type datetime (a date picker with time)"),
    "number": ({"number"}, "type number"),
    "bool": ({"bool", "enumeration"}, "type bool (a single checkbox)"),
    "enumeration": ({"enumeration", "string"}, "type enumeration (a dropdown select)"),
    "text": ({"string"}, "type string (multi-line text)"),
}
SALESFORCE_TYPES = {
    "datetime": ({"datetime"}, "Date/Time"),
    "number": ({"double", "int", "percent"}, "Number(18, 0)"),
    "bool": ({"boolean"}, "Checkbox"),
    "enumeration": ({"picklist", "string"}, "Picklist"),
    "text": ({"textarea", "string"}, "Long Text Area(32768)"),
}


def problems(source: str, wanted: dict[str, str], have: dict[str, CrmField]) -> list[str]:
    """What is wrong with the fields `wanted` (outcome -> field) in what the CRM `have`s."""
    types = HUBSPOT_TYPES if source == hubspot.SOURCE else SALESFORCE_TYPES
    record = "contact property" if source == hubspot.SOURCE else "Lead field"
    found = []
    for outcome, name in wanted.items():
        takes, create = types[WRITE_BACK[outcome]]
        field = have.get(name)
        if field is None:
            found.append(
                f"{source}: {record} {name} ({outcome}) does not exist: create it, {create}"
            )
        elif not field.writable:
            found.append(f"{source}: {record} {name} ({outcome}) is read-only: choose another")
        elif field.type not in takes:
            found.append(
                f"{source}: {record} {name} ({outcome}) is of type {field.type}; slabot writes "
                f"{WRITE_BACK[outcome]} values to it: make it {create}"
            )
    return found


def crm_check(c: Container, args: argparse.Namespace) -> int:
    tables = configured(CRM_TABLE.of(c.agreement))
    if not tables:
        print(
            "nothing to check: the agreement has no [crm.hubspot.write_back] or "
            "[crm.salesforce.write_back] table, so nothing is written back"
        )
        return 2
    code = 0
    for source, table in tables.items():
        missing = missing_settings(source, c.settings)
        if missing:
            print(f"{source}: not configured: {', '.join(missing)} is not set")
            code = 2
            continue
        try:
            have = writer_for(source, c.settings).fields()
        except (CrmBusy, CrmRefused) as exc:
            print(f"{source}: cannot be reached: {exc}")
            code = 2
            continue
        found = problems(source, table.written(), have)
        for line in found:
            print(line)
        if found:
            code = max(code, 1)
        else:
            print(
                f"{source}: all {len(table.written())} write-back field(s) exist and are writable"
            )
    return code
