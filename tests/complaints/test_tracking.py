"""Tracking numbers as people type them back: one normaliser for the status page, chats and staff commands."""

from __future__ import annotations

from datetime import datetime

import pytest

from complaints.tracking import new_tracking, normalize_tracking

NUMBER = "TY-20261207-ABCD2345"


@pytest.mark.parametrize("typed", [
    NUMBER,
    "ty-20261207-abcd2345",                  # lower case
    "TY20261207ABCD2345",                    # without dashes
    "ty 2026 1207 abcd 2345",                # spaces where the eye groups it
    " TY-20261207-ABCD2345\n",               # pasted with a line end
    "ＴＹ－２０２６１２０７－ＡＢＣＤ２３４５",  # full-width (Chinese input method)
    "ty—20261207—abcd2345",                  # an em dash from a phone keyboard
    "TY_20261207_ABCD2345",
    "20261207-ABCD2345",                     # the prefix left off
])
def test_typed_forms_of_one_number(typed: str) -> None:
    assert normalize_tracking(typed) == NUMBER


def test_digits_that_base32_leaves_out_are_read_as_the_letters_they_look_like() -> None:
    # the random part never holds 0, 1 or 8 (RFC 4648 leaves them out for O, I and B)
    assert normalize_tracking("TY-20261207-0I8D2345") == "TY-20261207-OIBD2345"
    assert normalize_tracking("TY-20261207-01BD2345") == "TY-20261207-OIBD2345"


@pytest.mark.parametrize("typed", ["", "TY", "TY-2026-ABCD", "TY-20261207-ABCD234", "TY-20261207-ABCD23456",
                                   "TY-2026120X-ABCD2345", "TY-20261207-ABCD2349", "TY-20261207-ABCD2345 123456",
                                   "hello", "x" * 500])
def test_what_is_not_a_number_stays_none(typed: str) -> None:
    assert normalize_tracking(typed) is None


def test_new_numbers_are_their_own_normal_form() -> None:
    number = new_tracking(datetime(2026, 12, 7))
    assert normalize_tracking(number) == number and normalize_tracking(number.lower().replace("-", "")) == number


def test_other_scripts_digits_are_not_read_as_a_date() -> None:
    assert normalize_tracking("TY-٢٠٢٦١٢٠٧-ABCD2345") is None
