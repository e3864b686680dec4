"""`app.yaml` is a valid Slack app manifest that matches what the bot listens for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT, SHARED_SPEC

#: Slack's own manifest schema, vendored (origin and licence: tests/README.md)
SCHEMA = Path(__file__).resolve().parent / "slack-app-manifest.schema.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "app.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_the_manifest_validates_against_slacks_own_schema(
    manifest: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_a_broken_manifest_is_caught_by_the_schema(
    manifest: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    broken = {**manifest, "display_information": {"description": "no name"}}
    assert list(validator.iter_errors(broken))


def test_the_vendored_schema_is_the_shared_spec_one_unchanged() -> None:
    shared = SHARED_SPEC / "slack-app-manifest.schema.json"
    if not shared.is_file():
        pytest.skip(f"no shared spec at {shared} to compare the vendored schema with")
    assert SCHEMA.read_bytes() == shared.read_bytes()


def test_the_manifest_declares_the_sla_command_with_a_usage_hint(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/sla"]
    assert "mine" in commands[0]["usage_hint"]
    assert commands[0]["url"].endswith("/slack/events")


def test_the_manifest_asks_for_the_scopes_the_bot_uses(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "users:read", "users:read.email"} <= scopes
    assert "files:write" in scopes  # the scorecard's chart and table (files.uploadV2)


def test_interactivity_events_and_the_home_tab_point_at_the_bolt_endpoint(
    manifest: dict[str, Any],
) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
