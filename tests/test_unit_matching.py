"""Unit names as real documents write them, matched to the commune's directory."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from notifier.errors import InputError
from notifier.units.directory import load_directory
from notifier.units.matcher import UnitMatcher, UnitRef
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def matcher() -> UnitMatcher:
    return UnitMatcher(load_directory(ROOT / "config" / "units.yaml").names_and_aliases())


SPELLINGS = [
    ("Phòng Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội"),
    ("PHÒNG VĂN HOÁ - XÃ HỘI", "Phòng Văn hóa - Xã hội"),  # old tone placement, capitals
    ("Phòng VH-XH.", "Phòng Văn hóa - Xã hội"),
    ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã.", "Văn phòng HĐND và UBND xã"),
    ("Văn phòng UBND xã", "Văn phòng HĐND và UBND xã"),
    ("Văn phòng Ủy ban nhân dân xã", "Văn phòng HĐND và UBND xã"),
    ("Uỷ ban MTTQ Việt Nam xã", "Ủy ban MTTQ Việt Nam xã"),
    ("UBMTTQ xã", "Ủy ban MTTQ Việt Nam xã"),
    ("Ủy ban Mặt trận Tổ quốc", "Ủy ban MTTQ Việt Nam xã"),
    ("UBKT Đảng ủy", "Ủy ban Kiểm tra Đảng ủy"),
    ("UB bầu cử", "Ủy ban Bầu cử xã"),
    ("ban xây dựng Đảng", "Ban Xây dựng Đảng"),
    ("Các cơ quan, đơn vị, liên quan", "Các cơ quan, đơn vị"),
]


@pytest.mark.parametrize(("written", "canonical"), SPELLINGS)
def test_spelling_variants_resolve_to_the_canonical_name(matcher: UnitMatcher, written: str, canonical: str) -> None:
    assert [r.target for r in matcher.match(written).refs] == [canonical]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_unicode_normal_form_does_not_matter(matcher: UnitMatcher, form: str) -> None:
    written = unicodedata.normalize(form, "Trung tâm Phục vụ hành chính công")  # type: ignore[arg-type]
    assert matcher.match(written).refs[0].target == "Trung tâm Phục vụ hành chính công"


def test_units_separated_by_commas_semicolons_or_line_breaks(matcher: UnitMatcher) -> None:
    for separator in (", ", "; ", "\n"):
        cell = f"Trung tâm Phục vụ hành chính công{separator}Phòng Kinh tế"
        assert [r.target for r in matcher.match(cell).refs] == ["Trung tâm Phục vụ hành chính công", "Phòng Kinh tế"]


def test_group_phrases_resolve_to_groups(matcher: UnitMatcher) -> None:
    cell = "Các phòng chuyên môn, đơn vị liên quan, các thôn; Ban xây dựng Đảng, UBMTTQ xã"
    assert [r.target for r in matcher.match(cell).refs] == [
        "Các phòng chuyên môn, đơn vị liên quan",
        "Các thôn",
        "Ban Xây dựng Đảng",
        "Ủy ban MTTQ Việt Nam xã",
    ]


def test_free_text_around_names_becomes_the_note(matcher: UnitMatcher) -> None:
    cell = "Phòng Văn hóa - Xã hội tổng hợp, theo dõi chung; đề nghị Ủy ban Mặt trận Tổ quốc phối hợp thực hiện"
    found = matcher.match(cell)
    assert [r.target for r in found.refs] == ["Phòng Văn hóa - Xã hội", "Ủy ban MTTQ Việt Nam xã"]
    assert found.note == "tổng hợp, theo dõi chung; đề nghị; phối hợp thực hiện"


def test_unknown_names_are_kept_as_written_never_dropped(matcher: UnitMatcher) -> None:
    found = matcher.match("Sở Khoa học và Công nghệ Sở Công Thương; UBND các phường, xã")
    assert found.refs == (
        UnitRef("Sở Khoa học và Công nghệ", None),
        UnitRef("Sở Công Thương", None),
        UnitRef("UBND các phường, xã", None),
    )


def test_a_list_of_lower_case_words_stays_one_name(matcher: UnitMatcher) -> None:
    found = matcher.match("Các sở, ban, ngành tỉnh; các doanh nghiệp viễn thông")
    assert [r.written for r in found.refs] == ["Các sở, ban, ngành tỉnh", "các doanh nghiệp viễn thông"]


def test_directory_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    bad = tmp_path / "units.yaml"
    bad.write_text("units:\n  - name: Phòng A\n    kind: phòng\n  - kind: phòng\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"units\.yaml: units\[1\]: thiếu trường 'name'"):
        load_directory(bad)
    bad.write_text(
        "units:\n  - {name: Phòng A, kind: phòng, aliases: [PA]}\n  - {name: Phòng B, kind: phòng, aliases: [pa]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="«pa» vừa là tên của «Phòng A» vừa là tên của «Phòng B»"):
        load_directory(bad)
    bad.write_text("units:\n  - {name: Phòng A, kind: phòng, aliases: PA}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"units\.yaml: units\[0\]\.aliases: cần danh sách chuỗi \(nhận «PA»\)"):
        load_directory(bad)
    bad.write_text("groups:\n  - {name: Nhóm, members: [Không có]}\n", encoding="utf-8")
    with pytest.raises(InputError, match="nhóm «Nhóm»: không có đơn vị «Không có»"):
        load_directory(bad)


def test_group_members_follow_kinds_named_units_and_nested_groups() -> None:
    directory = load_directory(ROOT / "config" / "units.yaml")
    assert directory.members("Các đơn vị sự nghiệp công lập") == ["Trung tâm Dịch vụ sự nghiệp công"]
    assert directory.members("Các cơ quan, đơn vị, các thôn") == [
        "Văn phòng HĐND và UBND xã",
        "Phòng Văn hóa - Xã hội",
        "Phòng Kinh tế",
        "Trung tâm Phục vụ hành chính công",
        "Trung tâm Dịch vụ sự nghiệp công",
    ]
    assert directory.members("Các thôn") == []
