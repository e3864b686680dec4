"""Settings from the environment (and a `.env` file in the working directory)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_HUBSPOT_API_URL = "https://api.hubapi.com"
PLACEHOLDERS = {"", "changeme", "change-me", "xoxb-your-token", "your-signing-secret"}


class SettingsError(Exception):
    """A setting is missing or unusable; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    bot_token: str = ""
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite:///slabot.db"
    sla_config: str = "./sla.toml"
    webhook_secret: str = ""
    port: int = 3000
    delivery_lease_seconds: int = 120
    sweep_seconds: int = 30
    deliver_seconds: int = 10
    clock_file: str = ""
    #: verifies HubSpot's webhook requests; unset: `POST /webhooks/hubspot` answers 404
    hubspot_client_secret: str = ""
    #: a HubSpot private app's token, for reading contacts and owners
    hubspot_access_token: str = ""
    hubspot_api_url: str = DEFAULT_HUBSPOT_API_URL
    #: the path token of `POST /webhooks/salesforce/<token>`; unset: it answers 404
    salesforce_outbound_token: str = ""
    salesforce_instance_url: str = ""
    salesforce_client_id: str = ""
    salesforce_client_secret: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        values: dict[str, str] = {}
        if dotenv and Path(".env").is_file():
            values.update({k: v for k, v in dotenv_values(".env").items() if v is not None})
        values.update(os.environ if env is None else env)
        port_text = values.get("PORT", "3000") or "3000"
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"PORT must be a number, got {port_text!r}") from None
        if not 0 <= port <= 65535:
            raise SettingsError(f"PORT must be between 0 and 65535, got {port}")
        api_url = values.get("SLACK_API_URL") or DEFAULT_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        return cls(
            bot_token=values.get("SLACK_BOT_TOKEN", ""),
            signing_secret=values.get("SLACK_SIGNING_SECRET", ""),
            app_token=values.get("SLACK_APP_TOKEN", ""),
            api_url=api_url,
            database_url=values.get("DATABASE_URL") or "sqlite:///slabot.db",
            sla_config=values.get("SLA_CONFIG") or "./sla.toml",
            webhook_secret=values.get("SLABOT_WEBHOOK_SECRET", ""),
            port=port,
            delivery_lease_seconds=_seconds(values, "SLABOT_DELIVERY_LEASE_SECONDS", 120),
            sweep_seconds=_seconds(values, "SLABOT_SWEEP_SECONDS", 30),
            deliver_seconds=_seconds(values, "SLABOT_DELIVER_SECONDS", 10),
            clock_file=values.get("SLABOT_CLOCK_FILE", ""),
            hubspot_client_secret=values.get("HUBSPOT_CLIENT_SECRET", ""),
            hubspot_access_token=values.get("HUBSPOT_ACCESS_TOKEN", ""),
            hubspot_api_url=(values.get("HUBSPOT_API_URL") or DEFAULT_HUBSPOT_API_URL).rstrip("/"),
            salesforce_outbound_token=values.get("SALESFORCE_OUTBOUND_TOKEN", ""),
            salesforce_instance_url=values.get("SALESFORCE_INSTANCE_URL", ""),
            salesforce_client_id=values.get("SALESFORCE_CLIENT_ID", ""),
            salesforce_client_secret=values.get("SALESFORCE_CLIENT_SECRET", ""),
        )

    def require_slack(self) -> None:
        """Fail loudly on missing or placeholder secrets before serving Slack."""
        problems = []
        if self.bot_token.strip() in PLACEHOLDERS or not self.bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token (xoxb-...)")
        if self.signing_secret.strip() in PLACEHOLDERS:
            problems.append("SLACK_SIGNING_SECRET is not set")
        if self.app_token and not self.app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN, when set, must be an app-level token (xapp-...)")
        if problems:
            raise SettingsError("; ".join(problems))


def _seconds(values: Mapping[str, str], name: str, default: int) -> int:
    text = (values.get(name) or str(default)).strip()
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name} must be a whole number of seconds, got {text!r}")
    return int(text)
