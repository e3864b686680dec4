"""Which CRM events tell of contact made with a lead's person, when, under which key, and
which say the person is deleted: pure recognition, before any lead is looked up."""

from __future__ import annotations

from datetime import UTC, datetime

from slaengine.crm import activity
from slaengine.crm.hubspot import parse_events
from tests.support.hubspot_signing import event

AT = datetime(2026, 11, 23, 13, 45, tzinfo=UTC)
AT_MS = int(AT.timestamp() * 1000)
OCCURRED = datetime(2026, 11, 23, 13, 46, tzinfo=UTC)


def touch_of(name: str, value: str, subscription: str = "contact.propertyChange",
             **raw: object) -> activity.Touch | None:  # fmt: skip
    return activity.hubspot_touch(subscription, "101", name, value, OCCURRED, raw)


def test_a_last_contacted_change_is_a_touch_at_the_instant_the_property_holds() -> None:
    found = touch_of("notes_last_contacted", str(AT_MS))
    assert found is not None and (found.record_id, found.at) == ("101", AT)
    by_sales_activity = touch_of("hs_last_sales_activity_timestamp", str(AT_MS))
    assert by_sales_activity is not None and by_sales_activity.key == found.key  # one contact


def test_a_generic_property_change_of_a_contact_is_a_touch_too_and_of_another_object_not() -> None:
    generic = touch_of("notes_last_contacted", str(AT_MS), "object.propertyChange",
                       objectTypeId="0-1")  # fmt: skip
    assert generic is not None and generic.at == AT
    deal = touch_of("notes_last_contacted", str(AT_MS), "object.propertyChange",
                    objectTypeId="0-3")  # fmt: skip
    assert deal is None


def test_other_properties_and_emptied_ones_are_no_touch() -> None:
    assert touch_of("lifecyclestage", "marketingqualifiedlead") is None
    assert touch_of("notes_last_contacted", "") is None
    assert touch_of("notes_last_contacted", "2026-11-23T13:45:00Z") is not None
    fallback = touch_of("notes_last_contacted", "soon")
    assert fallback is not None and fallback.at == OCCURRED  # not a time: when it changed


def test_a_call_email_or_meeting_created_is_an_engagement_to_ask_hubspot_about() -> None:
    for type_id, kind in (("0-48", "calls"), ("0-49", "emails"), ("0-47", "meetings")):
        found = activity.hubspot_engagement("object.creation", "9001", OCCURRED,
                                            {"objectTypeId": type_id})  # fmt: skip
        assert found == activity.Engagement(kind, "9001", OCCURRED)
    note = activity.hubspot_engagement(
        "object.creation", "9001", OCCURRED, {"objectTypeId": "0-46"}
    )
    assert note is None
    contact = activity.hubspot_engagement("contact.creation", "9001", OCCURRED, {})
    assert contact is None


def test_an_association_of_a_call_with_a_contact_names_both_and_a_removal_is_nothing() -> None:
    raw = {"subscriptionType": "object.associationChange", "fromObjectTypeId": "0-48",
           "fromObjectId": 9001, "toObjectTypeId": "0-1", "toObjectId": 101,
           "associationRemoved": False, "occurredAt": AT_MS}  # fmt: skip
    assert activity.hubspot_association(raw, OCCURRED) == activity.Engagement(
        "calls", "9001", OCCURRED
    )
    assert activity.hubspot_association({**raw, "associationRemoved": True}, OCCURRED) is None
    company = {**raw, "toObjectTypeId": "0-2"}
    assert activity.hubspot_association(company, OCCURRED) is None


def test_an_association_event_is_taken_without_an_object_id_and_each_end_kept_apart() -> None:
    raw = {"subscriptionType": "object.associationChange", "fromObjectTypeId": "0-48",
           "fromObjectId": 9001, "toObjectTypeId": "0-1", "toObjectId": 101,
           "associationRemoved": False, "occurredAt": AT_MS, "eventId": 1}  # fmt: skip
    import json

    first, second = parse_events(json.dumps([raw, {**raw, "toObjectId": 102}]).encode())
    assert first.object_id == "9001"
    assert first.dedupe_key != second.dedupe_key  # two contacts, two events


def test_the_deletions_of_a_contact_are_recognised() -> None:
    assert activity.hubspot_deletion("contact.privacyDeletion", {})
    assert activity.hubspot_deletion("contact.deletion", {})
    assert activity.hubspot_deletion("object.deletion", {"objectTypeId": "0-1"})
    assert not activity.hubspot_deletion("object.deletion", {"objectTypeId": "0-3"})
    assert not activity.hubspot_deletion("contact.propertyChange", {})


def test_a_legacy_events_dedupe_key_is_unchanged_by_the_generic_events() -> None:
    (legacy,) = parse_events(__import__("json").dumps([event(101)]).encode())
    assert legacy.variant == ""


def test_a_salesforce_task_on_a_lead_is_a_touch_at_its_creation_by_its_owner() -> None:
    task = {"Id": "00T001", "WhoId": "00Q001", "CreatedDate": "2026-11-23T13:45:00.000Z",
            "OwnerId": "005ALICE", "Subject": "Call"}  # fmt: skip
    found = activity.salesforce_task_touch(task, OCCURRED)
    assert found is not None
    assert (found.record_id, found.at, found.owner) == ("00Q001", AT, "005ALICE")
    assert activity.salesforce_task_touch({**task, "CreatedDate": None}, OCCURRED).at == OCCURRED  # type: ignore[union-attr]
    assert activity.salesforce_task_touch({**task, "WhoId": None}, OCCURRED) is None


def test_a_leads_last_activity_date_since_its_handoff_is_one_touch_a_date() -> None:
    handed = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    lead = {"Id": "00Q001", "LastActivityDate": "2026-11-23"}
    found = activity.salesforce_activity_touch(lead, OCCURRED, handed)
    again = activity.salesforce_activity_touch(lead, OCCURRED.replace(hour=15), handed)
    assert found is not None and again is not None
    assert found.at == OCCURRED and found.key == again.key
    older = {**lead, "LastActivityDate": "2026-11-20"}
    assert activity.salesforce_activity_touch(older, OCCURRED, handed) is None
    assert activity.salesforce_activity_touch({**lead, "LastActivityDate": None}, OCCURRED,
                                              handed) is None  # fmt: skip
