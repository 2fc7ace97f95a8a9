"""The deadline parser on the phrases real plans use, and the date arithmetic under it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.plans.deadlines import DeadlineContext, DeadlineKind, parse_deadline
from notifier.plans.periods import half_bounds, month_bounds, quarter_bounds, quarter_of, year_bounds

PLAN_2026 = DeadlineContext(year=2026)
D = date

PHRASES = [
    ("Thường xuyên", "continuous", None, None),
    ("Năm 2026", "once", D(2026, 1, 1), D(2026, 12, 31)),
    ("Năm 2026.", "once", D(2026, 1, 1), D(2026, 12, 31)),
    ("Năm 2026 và các năm tiếp theo", "yearly", D(2026, 1, 1), D(2026, 12, 31)),
    ("Hằng năm", "yearly", D(2026, 1, 1), D(2026, 12, 31)),
    ("Hàng năm", "yearly", D(2026, 1, 1), D(2026, 12, 31)),
    ("Thường xuyên, hằng năm", "yearly", D(2026, 1, 1), D(2026, 12, 31)),
    ("Quý IV", "once", D(2026, 10, 1), D(2026, 12, 31)),
    ("Quý I/2026", "once", D(2026, 1, 1), D(2026, 3, 31)),
    ("Quý III Năm 2026", "once", D(2026, 7, 1), D(2026, 9, 30)),
    ("Quí IV-2025", "once", D(2025, 10, 1), D(2025, 12, 31)),
    ("QUÝ II NĂM 2027", "once", D(2027, 4, 1), D(2027, 6, 30)),
    ("Quý IV/2025 - Quý II/2026", "once", D(2025, 10, 1), D(2026, 6, 30)),
    ("Quý IV/2025- Quý II/2026", "once", D(2025, 10, 1), D(2026, 6, 30)),
    ("2026 - 2030", "once", D(2026, 1, 1), D(2030, 12, 31)),
    ("Năm 2025-2030", "once", D(2025, 1, 1), D(2030, 12, 31)),
    ("Năm 2025 - 2026", "once", D(2025, 1, 1), D(2026, 12, 31)),
    ("Hoàn thành trước ngày 10/3/2026", "once", None, D(2026, 3, 10)),
    ("Trước ngày 30/11/2025", "once", None, D(2025, 11, 30)),
    ("trước ngày 10-3-2026", "once", None, D(2026, 3, 10)),
    ("Trước ngày 10.3.2026", "once", None, D(2026, 3, 10)),
    ("Hoàn thành trước ngày 10 tháng 3 năm 2026", "once", None, D(2026, 3, 10)),
    ("Từ ngày 01/3/2026 đến ngày 31/5/2026", "once", D(2026, 3, 1), D(2026, 5, 31)),
    ("Tháng 6/2026", "once", D(2026, 6, 1), D(2026, 6, 30)),
    ("Tháng 2 năm 2028", "once", D(2028, 2, 1), D(2028, 2, 29)),
    ("Tháng 12 hằng năm", "yearly", D(2026, 12, 1), D(2026, 12, 31)),
    ("Hằng tháng", "monthly", D(2026, 1, 1), D(2026, 1, 31)),
    ("Trước ngày 15 hằng tháng", "monthly", D(2026, 1, 1), D(2026, 1, 15)),
    ("Hằng quý", "quarterly", D(2026, 1, 1), D(2026, 3, 31)),
    ("Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính", "quarterly", D(2026, 1, 1), D(2026, 3, 31)),
    ("Định kỳ 6 tháng, năm", "half_yearly", D(2026, 1, 1), D(2026, 6, 30)),
    ("6 tháng đầu năm", "once", D(2026, 1, 1), D(2026, 6, 30)),
    ("6 tháng cuối năm", "once", D(2026, 7, 1), D(2026, 12, 31)),
    ("Theo công văn chỉ đạo các cấp", "unspecified", None, None),
    ("Theo kế hoạch riêng", "unspecified", None, None),
    ("Sau khi có Quy chế của TW", "unspecified", None, None),
    ("Khi có phát sinh.", "unspecified", None, None),
]


@pytest.mark.parametrize(("phrase", "kind", "start", "due"), PHRASES, ids=[p[0] for p in PHRASES])
def test_phrase_is_understood(phrase: str, kind: str, start: date | None, due: date | None) -> None:
    deadline = parse_deadline(phrase, PLAN_2026)
    assert (deadline.kind.value, deadline.start, deadline.due) == (kind, start, due)
    assert deadline.understood and deadline.problem is None
    assert deadline.text == phrase


def test_it_keeps_the_original_words_in_nfc_with_spaces_tidied() -> None:
    decomposed = "Quy\u0301  IV"  # NFD "Quý" with a double space, as some exports write it
    deadline = parse_deadline(decomposed, PLAN_2026)
    assert deadline.text == "Quý IV"
    assert deadline.due == D(2026, 12, 31)


def test_monthly_day_is_kept_for_later_occurrences() -> None:
    assert parse_deadline("Trước ngày 15 hằng tháng", PLAN_2026).due_day == 15


def test_recurrences_start_in_the_plan_month_when_its_date_is_known() -> None:
    context = DeadlineContext(year=2025, plan_date=D(2025, 11, 19))
    assert parse_deadline("Hằng quý", context).due == D(2025, 12, 31)
    assert parse_deadline("Hằng tháng", context).due == D(2025, 11, 30)


def test_before_date_can_mean_the_day_before() -> None:
    context = DeadlineContext(year=2026, before_means_day_before=True)
    assert parse_deadline("Hoàn thành trước ngày 10/3/2026", context).due == D(2026, 3, 9)
    assert parse_deadline("Ngày 10/3/2026", context).due == D(2026, 3, 10)


@pytest.mark.parametrize("phrase", ["Trước ngày 31/02/2026", "Hoàn thành trước ngày 30/13/2026", "Tháng 13/2026"])
def test_an_impossible_date_is_reported_not_guessed(phrase: str) -> None:
    deadline = parse_deadline(phrase, PLAN_2026)
    assert deadline.kind is DeadlineKind.UNSPECIFIED
    assert not deadline.understood
    assert deadline.problem is not None and "không tồn tại" in deadline.problem


@pytest.mark.parametrize("phrase", ["Sớm nhất có thể", "Đợt 2", ""])
def test_an_unknown_phrase_is_unspecified_with_a_warning(phrase: str) -> None:
    deadline = parse_deadline(phrase, PLAN_2026)
    assert deadline.kind is DeadlineKind.UNSPECIFIED
    assert not deadline.understood and deadline.problem


def test_a_quarter_without_a_year_needs_the_plan_year() -> None:
    deadline = parse_deadline("Quý IV", DeadlineContext(year=None))
    assert not deadline.understood and deadline.due is None


years = st.integers(min_value=1990, max_value=2100)


@given(years, st.integers(min_value=1, max_value=4))
def test_quarters_tile_the_year(year: int, quarter: int) -> None:
    start, end = quarter_bounds(year, quarter)
    assert quarter_of(start) == quarter_of(end) == quarter
    if quarter < 4:
        assert quarter_bounds(year, quarter + 1)[0] == end + timedelta(days=1)
    else:
        assert end == year_bounds(year)[1]


@given(years, st.integers(min_value=1, max_value=12))
def test_month_bounds_end_the_day_before_next_month(year: int, month: int) -> None:
    start, end = month_bounds(year, month)
    assert start.day == 1 and end.month == month
    assert (end + timedelta(days=1)).day == 1


@given(years)
def test_halves_tile_the_year(year: int) -> None:
    first, second = half_bounds(year, 1), half_bounds(year, 2)
    assert first[0] == year_bounds(year)[0] and second[1] == year_bounds(year)[1]
    assert second[0] == first[1] + timedelta(days=1)


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_any_written_date_round_trips_and_day_before_is_one_day_earlier(day: date) -> None:
    phrase = f"Hoàn thành trước ngày {day.day}/{day.month}/{day.year}"
    assert parse_deadline(phrase, PLAN_2026).due == day
    earlier = parse_deadline(phrase, DeadlineContext(year=2026, before_means_day_before=True)).due
    assert earlier == day - timedelta(days=1)


@given(years, st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=8))
def test_quarter_ranges_span_from_first_start_to_last_end(year: int, quarter: int, later: int) -> None:
    last_index = (quarter - 1) + later
    last_year, last_quarter = year + last_index // 4, last_index % 4 + 1
    roman = ["I", "II", "III", "IV"]
    phrase = f"Quý {roman[quarter - 1]}/{year} - Quý {roman[last_quarter - 1]}/{last_year}"
    deadline = parse_deadline(phrase, PLAN_2026)
    assert deadline.start == quarter_bounds(year, quarter)[0]
    assert deadline.due == quarter_bounds(last_year, last_quarter)[1]
