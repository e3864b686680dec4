"""The agreement's versions: one hash for one content, whatever the layout; what changed
between two, key by key, in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from slaengine.agreement.config import AgreementError, AgreementNotFound
from slaengine.agreement.versions import (
    canonical,
    content_of,
    diff,
    fingerprint,
    mark,
    read_agreement,
    version_of,
)
from tests.conftest import LEADS_ONLY
from tests.support.agreement import SHIPPED, parse_agreement

SMALL = """
# the windows
[leads]
accept_within = "5d"   # from the handoff
warn_before = "1h"

[leads.response]
good_fit_interested = "4h"
bad_fit_interested = "2d"
"""

SAME_REORDERED = """
[leads.response]
bad_fit_interested  =  "2d"
good_fit_interested = "4h"

[leads]
warn_before = "1h"
accept_within = "5d"
"""


def test_comments_whitespace_and_key_order_do_not_change_the_hash() -> None:
    assert content_of(SMALL) == content_of(SAME_REORDERED)
    assert fingerprint(content_of(SMALL)) == fingerprint(content_of(SAME_REORDERED))


def test_a_changed_value_changes_the_hash() -> None:
    changed = SMALL.replace('good_fit_interested = "4h"', 'good_fit_interested = "2h"')
    assert fingerprint(content_of(SMALL)) != fingerprint(content_of(changed))


def test_the_content_is_json_with_sorted_keys_and_dates_as_iso_text() -> None:
    content = content_of('b = 1\na = 2000-01-02\n[t]\nz = [1, 2]\ny = "x"\n')
    assert content == '{"a":"2000-01-02","b":1,"t":{"y":"x","z":[1,2]}}'
    assert canonical({"b": 1, "a": {"d": 2, "c": 3}}) == '{"a":{"c":3,"d":2},"b":1}'


def test_the_hash_is_the_sha256_of_the_content_in_hex() -> None:
    assert fingerprint("{}") == ("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")


def test_text_that_is_not_toml_is_refused_naming_the_file() -> None:
    with pytest.raises(AgreementError) as caught:
        content_of("[leads\n", "x.toml")
    assert caught.value.source == "x.toml"
    assert caught.value.problems[0].startswith("not valid TOML")


def test_a_changed_window_reads_old_arrow_new() -> None:
    changed = SMALL.replace('good_fit_interested = "4h"', 'good_fit_interested = "2h"')
    assert diff(content_of(SMALL), content_of(changed)) == [
        "leads.response.good_fit_interested: 4h -> 2h"
    ]


def test_added_and_removed_keys_are_said_so() -> None:
    changed = SMALL.replace('warn_before = "1h"\n', "").replace(
        "[leads.response]", "max_attempts = 4\n\n[leads.response]"
    )
    assert diff(content_of(SMALL), content_of(changed)) == [
        "leads.max_attempts: added, 4",
        "leads.warn_before: removed, was 1h",
    ]


def test_the_same_content_has_no_differences() -> None:
    assert diff(content_of(SMALL), content_of(SAME_REORDERED)) == []


def test_deliverables_are_named_by_their_key_and_a_new_one_is_added_key_by_key() -> None:
    old = '[[deliverables]]\nkey = "blog"\ncount = 4\n'
    new = old.replace("count = 4", "count = 6") + '[[deliverables]]\nkey = "pod"\ncount = 1\n'
    assert diff(content_of(old), content_of(new)) == [
        "deliverables.blog.count: 4 -> 6",
        "deliverables.pod.count: added, 1",
    ]


def test_lists_of_values_booleans_and_empty_text_read_as_in_the_file() -> None:
    old = 'days = ["mon", "tue"]\nquiet = false\nmission = ""\n'
    new = 'days = ["mon"]\nquiet = true\nmission = "Grow"\n'
    assert diff(content_of(old), content_of(new)) == [
        "days: [mon, tue] -> [mon]",
        'mission: "" -> Grow',
        "quiet: false -> true",
    ]


def test_a_value_of_another_type_is_a_change() -> None:
    assert diff({"a": 1}, {"a": "1"}) == ["a: 1 -> 1"]


def test_reading_a_file_gives_the_agreement_and_its_version(tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(LEADS_ONLY)
    read = read_agreement(path, SHIPPED)
    assert read.agreement == parse_agreement(LEADS_ONLY, str(path))
    assert read.hash == fingerprint(content_of(LEADS_ONLY)) and read.source == str(path)


def test_reading_a_missing_or_invalid_file_fails_as_loading_it_does(tmp_path: Path) -> None:
    with pytest.raises(AgreementNotFound):
        read_agreement(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text(LEADS_ONLY.replace('accept_within = "2d"', 'accept_within = "soon"'))
    with pytest.raises(AgreementError) as caught:
        read_agreement(bad, SHIPPED)
    assert any(p.startswith("leads.accept_within") for p in caught.value.problems)


def test_an_agreement_marked_with_a_version_names_it_and_passes_it_on() -> None:
    agreement = parse_agreement(LEADS_ONLY)
    assert version_of(agreement) is None
    mark(agreement, 7)
    assert version_of(agreement) == 7
    copy = agreement.model_copy()  # as its people are looked up: the same version
    assert version_of(copy) == 7
