"""The `slabot` command."""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.entrypoints.root import configure_logging
from bot.settings import Settings, SettingsError
from slaengine.agreement.config import (
    Agreement,
    AgreementError,
    AgreementNotFound,
    load_agreement,
    reference_agreement_path,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("slabot")


def _settings() -> Settings:
    return Settings.from_env()


DEFAULT_AGREEMENT = Path("sla.toml")


def _init_hint(path: str | Path) -> str:
    """The command that creates the agreement file at `path`."""
    if Path(path) == DEFAULT_AGREEMENT:
        return "slabot config init"
    return f"slabot config init {shlex.quote(str(path))}"


def _not_found(error: AgreementNotFound, *, from_env: bool = True) -> str:
    """One line: which file is missing and how to create it (or, where the path came from
    the settings, how to name another)."""
    elsewhere = ", or point SLA_CONFIG at yours" if from_env else ""
    return (
        f"the agreement file {error.source} was not found; create it with "
        f"`{_init_hint(error.source)}` "
        f"(the reference agreement, every key commented){elsewhere}"
    )


def cmd_config_init(args: argparse.Namespace) -> int:
    target = Path(args.file) if args.file else DEFAULT_AGREEMENT
    try:
        with target.open("xb") as out:
            out.write(reference_agreement_path().read_bytes())
    except FileExistsError:
        print(f"error: {target} already exists; it was left as it is", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write {target}: {exc.strerror}", file=sys.stderr)
        return 1
    if target == DEFAULT_AGREEMENT:
        after = "then `slabot config check`"
    else:
        name = shlex.quote(str(target))
        after = f"then `slabot config check {name}`; `slabot run` reads it with SLA_CONFIG={name}"
    print(f"wrote {target}: the reference agreement, every key commented; edit it, {after}")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    path = args.file or _settings().sla_config
    try:
        agreement = _load(path)
    except AgreementNotFound as error:
        print(f"error: {_not_found(error, from_env=not args.file)}", file=sys.stderr)
        return 1
    except AgreementError as error:
        print(f"{error.source}: {len(error.problems)} problem(s)", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    online = ""
    if args.online:
        looked_up, unknown = _look_up_people(agreement)
        if unknown:
            print(f"{path}: {len(unknown)} problem(s)", file=sys.stderr)
            for problem in unknown:
                print(f"  {problem}", file=sys.stderr)
            return 1
        online = f"; {looked_up} e-mail address(es), each a Slack user" if looked_up else ""
    print(f"{path}: OK ({agreement.agreement.name}){online}")
    from bot.plugins import PLUGINS

    for plugin in PLUGINS:
        for line in plugin.checked(agreement):
            print(f"  {line}")
    return 0


def _look_up_people(agreement: Agreement) -> tuple[int, list[str]]:
    """`config check --online`: how many addresses the agreement names people by, and each
    key whose address no Slack user has. Asks Slack (`users.lookupByEmail`) and writes
    nothing: no database, no cache."""
    from slack_sdk.errors import SlackApiError

    from bot.container import make_client
    from bot.directory import SlackLookup
    from slaengine.agreement.config import people_by_email
    from slaengine.engine.directory import know_people

    settings = _settings()
    if not settings.bot_token.startswith("xoxb-"):
        raise SettingsError("--online needs SLACK_BOT_TOKEN, a bot token (xoxb-...)")
    try:
        known = know_people(agreement, SlackLookup(make_client(settings)))
    except SlackApiError as exc:
        raise SettingsError(
            f"Slack refused to look people up by e-mail: {exc.response.get('error')}"
        ) from None
    except OSError as exc:
        raise SettingsError(f"cannot reach Slack at {settings.api_url}: {exc}") from None
    addresses = {email.strip().lower() for _, email in people_by_email(agreement)}
    return len(addresses), [str(unknown) for unknown in known.unknown]


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    url = _settings().database_url
    applied = _upgrade(url)
    done = f": applied {', '.join(applied)}" if applied else ""
    print(f"database at {_redact(url)} is up to date{done}")
    return 0


def _upgrade(url: str) -> list[str]:
    """Apply the migrations; one log line when there were any to apply (Alembic's own INFO
    lines are silenced in `main`)."""
    from migrations.runner import upgrade

    applied = upgrade(url)
    if applied:
        log.info("database at %s: applied migrations %s", _redact(url), ", ".join(applied))
    return applied


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _load(path: str | Path) -> Agreement:
    """The agreement at `path`, every table of the plugged-in kinds checked."""
    from bot.plugin import sections_of
    from bot.plugins import PLUGINS

    return load_agreement(path, sections_of(PLUGINS))


def _container(  # type: ignore[no-untyped-def]
    *, need_slack: bool = False, in_force: bool = False
):
    """Settings checked (and the agreement loaded) first: a missing token or agreement file
    stops the command before the database is created or migrated. `in_force`: the commands
    that run the agreement (`run`, `sweep`, `import`) bring its version into force
    (`bot.jobs.agreement`), the others only read."""
    from bot.container import build
    from bot.jobs.agreement import come_into_force
    from bot.plugin import sections_of
    from bot.plugins import PLUGINS
    from slaengine.agreement.versions import read_agreement

    settings = _settings()
    if need_slack:
        settings.require_slack()
    read = read_agreement(settings.sla_config, sections_of(PLUGINS))
    _upgrade(settings.database_url)
    c = build(settings, agreement=read.agreement, plugins=PLUGINS)
    if in_force:
        come_into_force(c, read)
    return c


def cmd_import_leads(args: argparse.Namespace) -> int:
    return _plugin_command("import leads", args)


def _plugin_command(name: str, args: argparse.Namespace) -> int:
    """A command a kind brings (`Plugin.cli`), run on the container."""
    c = _container(in_force=name.startswith("import"))
    try:
        for plugin in c.plugins:
            if name in plugin.cli:
                code: int = plugin.cli[name](c, args)
                return code
        print(f"error: no kind tracked here provides `slabot {name}`", file=sys.stderr)
        return 2
    finally:
        c.close()


def cmd_status(args: argparse.Namespace) -> int:
    from bot.items.status import status_rows

    c = _container()
    rows = status_rows(c, user=args.user)
    # what the plugins add (a CRM's events waiting or refused): on stderr beside the JSON
    added = [line for plugin in c.plugins for line in plugin.status(c)]
    if args.json:
        print(json.dumps(rows, indent=2))
        for line in added:
            print(line, file=sys.stderr)
        return 0
    if not rows:
        print("nothing open or closed in the last 30 days")
    for row in rows:
        print(
            f"{row['ref']:<8} {row['kind']:<5} {row['owner']:<12} {row['due_at'] or '-':<26} "
            f"{row['state']:<9} {row['name']} ({row['company']})"
        )
    for line in added:
        print(line)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    return _plugin_command("forget", args)


def cmd_crm_check(args: argparse.Namespace) -> int:
    return _plugin_command("crm check", args)


def cmd_plan(args: argparse.Namespace) -> int:
    return _plugin_command("plan", args)


def cmd_sweep(args: argparse.Namespace) -> int:
    from bot.jobs.sweep import sweep

    c = _container(in_force=True)
    try:
        report = sweep(c)
    finally:
        c.close()
    print(report.line())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from urllib.error import URLError

    from slack_sdk.errors import SlackApiError

    from bot.entrypoints.server import serve

    c = _container(need_slack=True, in_force=True)
    try:
        return serve(c)
    except URLError as exc:
        raise SettingsError(f"cannot reach Slack at {c.settings.api_url}: {exc.reason}") from None
    except SlackApiError as exc:
        raise SettingsError(f"Slack refused SLACK_BOT_TOKEN: {exc.response.get('error')}") from None


def cmd_scorecard(args: argparse.Namespace) -> int:
    from bot.jobs import scorecard
    from slaengine.scorecard.weeks import WeekError, parse_week, week_ended

    try:
        week = parse_week(args.week) if args.week else None
    except WeekError as error:
        print(f"error: --week: {error}", file=sys.stderr)
        return 1
    if args.post and not _settings().bot_token.startswith("xoxb-"):
        raise SettingsError("--post needs SLACK_BOT_TOKEN, a bot token (xoxb-...)")
    c = _container()
    try:
        now = c.clock.now()
        week = week or week_ended(c.agreement, now)
        card = scorecard.build(c, week, now)
        if args.json:
            from slaengine.scorecard.export import as_json

            print(json.dumps(as_json(card), indent=2, ensure_ascii=False))
        elif args.csv:
            sys.stdout.write(scorecard.csv_text(card))
        else:
            sys.stdout.write(scorecard.text(card))
        if args.post:
            owed = scorecard.owe(c, week, now)
            channel = c.resolve(c.agreement.agreement.scorecard_channel)
            c.deliverer.deliver_to(channel)
            scorecard.attach(c, week, now)
            where = c.agreement.agreement.scorecard_channel
            print(
                f"posted {week.key} to {where}"
                if owed
                else f"{week.key} was posted to {where} before",
                file=sys.stderr,
            )
    finally:
        c.close()
    return 0


def _versions_engine() -> Engine:
    """The database, migrated, for the commands that read the agreement's versions."""
    from slaengine.persistence.db import make_engine

    url = _settings().database_url
    _upgrade(url)
    return make_engine(url)


def cmd_agreement_history(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from slaengine.persistence import versions as version_repo

    engine = _versions_engine()
    try:
        with Session(engine) as session:
            rows = [
                {"hash": v.hash, "in_force_at": v.in_force_at.isoformat(), "file": v.source}
                for v in version_repo.history(session)
            ]
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print("no agreement version recorded yet: `slabot run` or `slabot sweep` records one")
    for row in [] if args.json else rows:
        print(f"{row['hash']}  {row['in_force_at']}  {row['file']}")
    return 0


def cmd_agreement_diff(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from slaengine.agreement.versions import SHORT, diff, read_agreement
    from slaengine.persistence import versions as version_repo

    engine = _versions_engine()
    try:
        with Session(engine) as session:
            try:
                if args.a is None:
                    recorded = list(version_repo.history(session))
                    if len(recorded) < 2:
                        print(
                            f"error: {len(recorded)} agreement version(s) recorded: nothing to "
                            "compare (name one to compare it with the agreement file)",
                            file=sys.stderr,
                        )
                        return 2
                    old, new = recorded[-2], recorded[-1]
                    before, after = old.content, new.content
                    names = (old.hash[:SHORT], new.hash[:SHORT])
                else:
                    old = version_repo.by_prefix(session, args.a)
                    before, names = old.content, (old.hash[:SHORT], "")
                    if args.b is None:
                        read = read_agreement(_settings().sla_config)
                        after, names = read.content, (names[0], read.source)
                    else:
                        new = version_repo.by_prefix(session, args.b)
                        after, names = new.content, (names[0], new.hash[:SHORT])
            except version_repo.UnknownVersion as error:
                print(f"error: {error} (see `slabot agreement history`)", file=sys.stderr)
                return 2
    finally:
        engine.dispose()
    print(f"from {names[0]} to {names[1]}:", file=sys.stderr)
    lines = diff(before, after)
    print("\n".join(lines) if lines else "no differences")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from bot.jobs import replay

    try:
        proposal = _load(args.proposal)
    except AgreementNotFound as error:
        print(f"error: {_not_found(error, from_env=False)}", file=sys.stderr)
        return 1
    except AgreementError as error:
        print(f"error: the proposal {error.source} fails `config check`: "
              f"{len(error.problems)} problem(s)", file=sys.stderr)  # fmt: skip
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    c = _container()
    try:
        now = c.clock.now()
        try:
            days = replay.span(c.agreement, now, args.start, args.end)
        except replay.RangeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        result = replay.run(c, proposal, days, now)
    finally:
        c.close()
    if args.json:
        if not result["items"]:
            result["message"] = f"no items were opened from {result['from']} to {result['to']}"
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(replay.text(result, days.chosen))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo.week import run_demo

    run_demo(sys.stdout)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="slabot", description="The Sales & Marketing SLA, in Slack.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run", help="serve Slack (HTTP or Socket Mode) and run the scheduler"
    ).set_defaults(func=cmd_run)
    sub.add_parser("sweep", help="one pass of all time-driven work, then exit").set_defaults(
        func=cmd_sweep
    )
    sub.add_parser("demo", help="a simulated week, no Slack needed").set_defaults(func=cmd_demo)
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the migrations").set_defaults(func=cmd_db_upgrade)
    imp = sub.add_parser("import", help="import data").add_subparsers(dest="what", required=True)
    leads = imp.add_parser("leads", help="hand over leads from a CSV file")
    leads.add_argument("file")
    leads.set_defaults(func=cmd_import_leads)
    status = sub.add_parser("status", help="open items and those closed in the last 30 days")
    status.add_argument("--user", help="only this owner's items (Slack user ID)")
    status.add_argument("--json", action="store_true", help="print a JSON array")
    status.set_defaults(func=cmd_status)
    plan = sub.add_parser(
        "plan", help="the deals, opportunities and leads a month a revenue goal needs"
    )
    plan.add_argument("revenue", help="a monthly revenue goal: 240000, 240,000, '$240k', 1.2m")
    plan.add_argument("--json", action="store_true", help="print a JSON object")
    plan.set_defaults(func=cmd_plan)
    forget = sub.add_parser(
        "forget", help="erase a lead's contact: name, company, e-mail and free text about them"
    )
    forget.add_argument("who", help="the lead's external ID or e-mail address")
    forget.set_defaults(func=cmd_forget)
    crm = sub.add_parser("crm", help="the CRMs leads come from and outcomes go back to")
    crm_commands = crm.add_subparsers(dest="crm_command", required=True)
    crm_commands.add_parser(
        "check", help="whether every write-back field exists in the CRM and can be written"
    ).set_defaults(func=cmd_crm_check)
    card = sub.add_parser("scorecard", help="the weekly scorecard: printed, JSON, CSV or posted")
    card.add_argument("--week", help="an ISO week such as 2026-W47 (default: the week just ended)")
    card.add_argument("--post", action="store_true", help="post it to the scorecard channel (once)")
    form = card.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print it as JSON")
    form.add_argument("--csv", action="store_true", help="print the per-person table as CSV")
    card.set_defaults(func=cmd_scorecard)
    config = sub.add_parser("config", help="the agreement file").add_subparsers(
        dest="config_command", required=True
    )
    init = config.add_parser(
        "init", help="write the commented reference agreement to ./sla.toml (or FILE)"
    )
    init.add_argument("file", nargs="?", help="where to write it (default ./sla.toml)")
    init.set_defaults(func=cmd_config_init)
    check = config.add_parser("check", help="validate an agreement file")
    check.add_argument("file", nargs="?")
    check.add_argument(
        "--online",
        action="store_true",
        help="also look up in Slack each person named by e-mail (needs SLACK_BOT_TOKEN)",
    )
    check.set_defaults(func=cmd_config_check)
    agreement = sub.add_parser("agreement", help="the agreement's versions").add_subparsers(
        dest="agreement_command", required=True
    )
    history = agreement.add_parser(
        "history", help="every version recorded, oldest first: hash, in force from, file"
    )
    history.add_argument("--json", action="store_true", help="print a JSON array")
    history.set_defaults(func=cmd_agreement_history)
    compare = agreement.add_parser(
        "diff",
        help="what changed key by key: the two latest versions, version A against the "
        "agreement file, or A against B",
    )
    compare.add_argument("a", nargs="?", metavar="A", help="a version's hash prefix")
    compare.add_argument("b", nargs="?", metavar="B", help="another version's hash prefix")
    compare.set_defaults(func=cmd_agreement_diff)
    what_if = sub.add_parser(
        "replay",
        help="what a proposed agreement would have done to the items opened in a range, "
        "beside what really happened (default: the last full quarter)",
    )
    what_if.add_argument("proposal", metavar="PROPOSED.toml", help="the proposed agreement")
    what_if.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="the first day")
    what_if.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="the last day")
    what_if.add_argument("--json", action="store_true", help="print one JSON object")
    what_if.set_defaults(func=cmd_replay)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging(chatty=args.command in ("run", "sweep"))
    try:
        return int(args.func(args))
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except AgreementNotFound as error:
        print(f"error: {_not_found(error)}", file=sys.stderr)
        return 2
    except AgreementError as error:
        print(f"error: the agreement {error.source} is invalid:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
