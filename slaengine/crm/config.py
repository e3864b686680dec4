"""The `[crm.hubspot]` and `[crm.salesforce]` tables of `sla.toml`: which CRM property (or
Lead field) becomes which field of a lead, and when a contact becomes a lead."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from slaengine.agreement.config import Section

#: the lead's fit and interest (`slaengine.kinds.lead.rules.Fit`, `Interest`)
FitValue = Literal["good", "bad"]
InterestValue = Literal["high", "low"]
NAME = r"^[A-Za-z_][A-Za-z0-9_.]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PropertyName = Annotated[str, Field(pattern=NAME)]


def _one_or_many(value: object) -> object:
    """`name = "fullname"` is `name = ["fullname"]`."""
    return (value,) if isinstance(value, str) else value


Names = Annotated[tuple[PropertyName, ...], BeforeValidator(_one_or_many)]


class FitMap(_Model):
    """A CRM property whose values say the lead's fit: each value it may take, mapped."""

    property: str = Field(pattern=NAME)
    values: dict[str, FitValue] = Field(min_length=1)


class InterestMap(_Model):
    """A CRM property whose values say the lead's interest: each value it may take, mapped."""

    property: str = Field(pattern=NAME)
    values: dict[str, InterestValue] = Field(min_length=1)


#: what slabot writes back to a CRM record, each under the name `write_back` gives it, and
#: the type of value it writes (`slabot crm check` names the type of a field to create)
WRITE_BACK: dict[str, str] = {
    "first_touch_at": "datetime",  # when the lead was first touched
    "minutes_to_first_touch": "number",  # business minutes from handoff to that touch
    "within_window": "bool",  # whether that touch was inside the response window
    "breached_at": "datetime",  # when a window of the lead was breached
    "decision": "enumeration",  # accepted | rejected
    "decided_at": "datetime",
    "reject_reason": "text",  # the reason given with a rejection
    "recycled_at": "datetime",  # no progress in time: back to marketing
    "reassigned_at": "datetime",  # handed to another rep
    "sla_state": "enumeration",  # on_track | at_risk | overdue | met | missed
}


class WriteBack(_Model):
    """`[crm.<crm>.write_back]`: the CRM property (or Lead field) each SLA outcome is written
    to; an outcome left out is not written, and no table writes nothing."""

    first_touch_at: str | None = Field(default=None, pattern=NAME)
    minutes_to_first_touch: str | None = Field(default=None, pattern=NAME)
    within_window: str | None = Field(default=None, pattern=NAME)
    breached_at: str | None = Field(default=None, pattern=NAME)
    decision: str | None = Field(default=None, pattern=NAME)
    decided_at: str | None = Field(default=None, pattern=NAME)
    reject_reason: str | None = Field(default=None, pattern=NAME)
    recycled_at: str | None = Field(default=None, pattern=NAME)
    reassigned_at: str | None = Field(default=None, pattern=NAME)
    sla_state: str | None = Field(default=None, pattern=NAME)

    def fields(self) -> dict[str, str]:
        """The outcomes written, each with its CRM field, in `WRITE_BACK`'s order."""
        named = {outcome: getattr(self, outcome) for outcome in WRITE_BACK}
        return {outcome: name for outcome, name in named.items() if name}


class Fields(_Model):
    """Where each field of a lead comes from. `name` may join several properties (first and
    last name). A record missing `external_id`, `name`, `company`, `email` or a value of
    `fit` or `interest` (a property unset, or a value the map does not name) is refused
    with the reason; `campaign` and `owner` may be empty (no campaign; round robin)."""

    external_id: str = Field(pattern=NAME)
    name: Names = Field(min_length=1)
    company: str | None = Field(default=None, pattern=NAME)
    email: str | None = Field(default=None, pattern=NAME)
    fit: FitMap
    interest: InterestMap
    campaign: str | None = Field(default=None, pattern=NAME)
    #: the SLA outcomes written back to the record (none: nothing is written)
    write_back: WriteBack | None = None

    def written(self) -> dict[str, str]:
        """The outcomes written back, each with its CRM field (none: nothing is)."""
        return self.write_back.fields() if self.write_back is not None else {}

    def properties(self) -> list[str]:
        """Every property the mapping reads, once, in a stable order."""
        wanted = [
            self.external_id,
            *self.name,
            self.company,
            self.email,
            self.fit.property,
            self.interest.property,
            self.campaign,
        ]
        return list(dict.fromkeys(p for p in wanted if p))


class HubSpotConfig(Fields):
    """`[crm.hubspot]`: a contact becomes a lead when `when_property` reaches `when_value`
    (a `contact.propertyChange` event to that value, or a `contact.creation` of a contact
    already there). Its owner is `owner`'s HubSpot owner, by e-mail, as a Slack user."""

    when_property: str = Field(default="lifecyclestage", pattern=NAME)
    when_value: str = Field(default="marketingqualifiedlead", min_length=1)
    external_id: str = Field(default="hs_object_id", pattern=NAME)
    name: Names = Field(default=("firstname", "lastname"), min_length=1)
    company: str | None = Field(default="company", pattern=NAME)
    email: str | None = Field(default="email", pattern=NAME)
    owner: str | None = Field(default="hubspot_owner_id", pattern=NAME)

    def properties(self) -> list[str]:
        return list(dict.fromkeys([*super().properties(), self.when_property, *self._owner()]))

    def _owner(self) -> list[str]:
        return [self.owner] if self.owner else []


class SalesforceConfig(Fields):
    """`[crm.salesforce]`: each `sf:Lead` an Outbound Message carries is a lead (the flow
    sending it decides when), unless `when_field` is set and the Lead's value differs from
    `when_value`. Its owner is the Slack user with the e-mail in `owner_email` (a formula
    field such as `Owner_Email__c` = `Owner:User.Email`: an Outbound Message carries the
    Lead's own fields only)."""

    external_id: str = Field(default="Id", pattern=NAME)
    name: Names = Field(default=("FirstName", "LastName"), min_length=1)
    company: str | None = Field(default="Company", pattern=NAME)
    email: str | None = Field(default="Email", pattern=NAME)
    owner_email: str | None = Field(default=None, pattern=NAME)
    when_field: str | None = Field(default=None, pattern=NAME)
    when_value: str | None = None
    #: the custom object whose record, sent by an Outbound Message, says a Lead was deleted
    #: (Salesforce sends no message on a deletion: a flow run before the deletion creates
    #: one), and its field holding the deleted Lead's Id
    deleted_object: str = Field(default="Deleted_Lead__c", pattern=r"^[A-Za-z][A-Za-z0-9_]*__c$")
    deleted_lead_field: str = Field(default="Lead_Id__c", pattern=NAME)

    @model_validator(mode="after")
    def _when(self) -> SalesforceConfig:
        if (self.when_field is None) != (self.when_value is None):
            raise ValueError("when_field and when_value go together: set both or neither")
        return self


class CrmConfig(_Model):
    """`[crm]`: the CRMs leads come from."""

    hubspot: HubSpotConfig | None = None
    salesforce: SalesforceConfig | None = None


def crm_example_path() -> Path:
    """The commented example of the `[crm.*]` tables, to add to an agreement."""
    return Path(__file__).parents[1] / "reference" / "crm.example.toml"


#: `[crm]` in `sla.toml`, brought by the CRM plugin (`bot.crm.plugin`)
CRM_TABLE: Section[CrmConfig | None] = Section("crm", CrmConfig | None, None)
