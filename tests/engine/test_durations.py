from datetime import timedelta

import pytest

from slaengine.durations import Duration, Share, parse_lead


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4h", Duration(4, "h", calendar=False)),
        ("30m", Duration(30, "m", calendar=False)),
        ("2d", Duration(2, "d", calendar=False)),
        ("1w", Duration(1, "w", calendar=False)),
        ("48h calendar", Duration(48, "h", calendar=True)),
        ("7d calendar", Duration(7, "d", calendar=True)),
        ("  4h  ", Duration(4, "h", calendar=False)),
        ("\t48h  calendar\n", Duration(48, "h", calendar=True)),
        ("120m", Duration(120, "m", calendar=False)),
    ],
)
def test_a_duration_is_parsed_from_its_text(text: str, expected: Duration) -> None:
    assert Duration.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "h", "4", "0h", "00m", "-1h", "+1h", "1.5h", "4x", "4 h", "4H", "4hours",
     "4h calendar extra", "4hcalendar", "4h wall", "calendar", "4h 2m", "25%"],
)  # fmt: skip
def test_a_malformed_duration_is_refused_naming_the_text_and_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration") as caught:
        Duration.parse(text)
    assert repr(text) in str(caught.value)


def test_the_duration_error_message_shows_the_expected_form() -> None:
    with pytest.raises(ValueError) as caught:
        Duration.parse("4x")
    assert str(caught.value) == (
        "'4x' is not a duration: expected <number><m|h|d|w> with an optional ' calendar',"
        " e.g. '4h' or '48h calendar'"
    )


@pytest.mark.parametrize("text", ["4h", "30m", "2d", "1w", "48h calendar", "7d calendar"])
def test_a_duration_prints_back_as_its_canonical_text(text: str) -> None:
    assert str(Duration.parse(text)) == text


def test_leading_zeros_and_extra_spaces_are_dropped_from_the_canonical_text() -> None:
    assert str(Duration.parse(" 04h   calendar ")) == "4h calendar"


def test_minutes_and_hours_have_a_fixed_length_in_minutes() -> None:
    assert Duration.parse("45m").fixed_minutes() == 45
    assert Duration.parse("4h").fixed_minutes() == 240
    assert Duration.parse("48h calendar").minutes == 2880


def test_days_and_weeks_have_no_fixed_length_in_minutes() -> None:
    assert Duration.parse("1d").fixed_minutes() is None
    assert Duration.parse("2w calendar").fixed_minutes() is None
    with pytest.raises(ValueError, match="no fixed length"):
        _ = Duration.parse("1d").minutes


@pytest.mark.parametrize(
    ("amount", "unit"), [(0, "h"), (-3, "m"), (2, "s"), (1.5, "h"), (True, "h")]
)
def test_a_duration_cannot_be_built_with_a_bad_amount_or_unit(amount: object, unit: str) -> None:
    with pytest.raises(ValueError):
        Duration(amount, unit, False)  # type: ignore[arg-type]


def test_a_duration_is_immutable_and_hashable() -> None:
    duration = Duration.parse("4h")
    with pytest.raises(AttributeError):
        duration.amount = 5  # type: ignore[misc]
    assert {duration, Duration(4, "h", False)} == {duration}


@pytest.mark.parametrize(
    ("text", "fraction"),
    [("25%", 0.25), ("100%", 1.0), ("1%", 0.01), ("12.5%", 0.125), (" 50 % ", 0.5)],
)
def test_a_share_is_parsed_from_a_percentage(text: str, fraction: float) -> None:
    assert Share.parse(text) == Share(fraction)


@pytest.mark.parametrize("text", ["", "%", "0%", "0.0%", "101%", "-5%", "25", "25%%", "a%", "4h"])
def test_a_malformed_share_is_refused_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a share") as caught:
        Share.parse(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["25%", "100%", "1%", "12.5%", "7%", "33%"])
def test_a_share_prints_back_as_its_percentage(text: str) -> None:
    assert str(Share.parse(text)) == text


@pytest.mark.parametrize("fraction", [0, -0.1, 1.01])
def test_a_share_must_be_above_zero_and_at_most_the_whole(fraction: float) -> None:
    with pytest.raises(ValueError):
        Share(fraction)


def test_a_share_of_a_window_is_that_part_of_it() -> None:
    assert Share.parse("25%").of(timedelta(hours=8)) == timedelta(hours=2)
    assert Share.parse("100%").of(timedelta(minutes=90)) == timedelta(minutes=90)
    assert Share.parse("50%").of(timedelta(0)) == timedelta(0)


def test_a_share_of_a_negative_window_is_refused() -> None:
    with pytest.raises(ValueError):
        Share.parse("25%").of(timedelta(hours=-1))


def test_a_lead_time_is_either_a_duration_or_a_share() -> None:
    assert parse_lead("1h") == Duration(1, "h", False)
    assert parse_lead("2d calendar") == Duration(2, "d", True)
    assert parse_lead("25%") == Share(0.25)
    assert parse_lead(" 10% ") == Share(0.1)


@pytest.mark.parametrize("text", ["", "soon", "1.5h", "0h", "25", "h%"])
def test_a_malformed_lead_time_is_refused_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_lead(text)
    assert repr(text) in str(caught.value)
