"""Leads from a CRM as it is: HubSpot's webhook events and Salesforce's Outbound Messages,
checked, stored raw and deduplicated, then mapped to the lead webhook's fields."""
