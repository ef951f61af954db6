"""Interchange and message envelopes: every bad input is a finding with a stable code."""

from __future__ import annotations

import io

import pytest

from singlewindow.standards.edifact import (
    EdifactError,
    Message,
    Rejection,
    iter_messages,
    read_interchange,
)
from tests.standards.edifact.build import codes, interchange, items, message

BODY = ["BGM+785:::MT1101+REF+9", "TDT+20+001E"]


def rejected_interchange(text: str | bytes) -> EdifactError:
    with pytest.raises(EdifactError) as caught:
        read_interchange(text)
    assert caught.value.status == 422
    return caught.value


def test_a_good_interchange_gives_header_and_messages() -> None:
    text = interchange(message(BODY, ref="M1"), message(BODY, ref="M2"))
    read = read_interchange(text.encode("latin-1"))
    assert read.header.sender == "SENDER"
    assert read.header.reference == "REF1"
    assert read.header.prepared_at == "2026-11-29T08:00"
    assert read.header.encoding == "latin-1"
    first, second = read.messages
    assert (first.index, second.index) == (0, 1)
    assert first.identifier == "CUSCAR:D:95B:UN"
    assert [s.tag for s in first.segments] == ["UNH", "BGM", "TDT", "UNT"]
    assert text.encode()[first.offset :].startswith(b"UNH+M1")
    assert text.encode()[second.offset :].startswith(b"UNH+M2")


def test_release_character_keeps_separators_as_data() -> None:
    text = interchange(message(["BGM+785+A?+B?:C?'D??+9"]))
    (found,) = read_interchange(text).messages
    assert found.segments[1].elements == ["785", "A+B:C'D?", "9"]


def test_custom_separators_declared_in_una_are_honoured() -> None:
    text = (
        interchange(message(BODY), una="UNA:+.? '")
        .replace("'", "~")
        .replace("UNA:+.? ~", "UNA:*.? ~")
    )
    text = text.replace("+", "*")
    read = read_interchange(text)
    assert read.header.delimiters.terminator == "~"
    assert read.messages[0].segments[1].elements[1] == "REF"


def test_line_breaks_between_segments_are_ignored() -> None:
    text = interchange(message(BODY)).replace("'", "'\r\n")
    assert len(read_interchange(text).messages) == 1


def test_wrong_separators_without_una() -> None:
    text = interchange(message(BODY), una=None).replace("+", "*")
    error = rejected_interchange(text)
    assert codes(error.findings) == {"wrong_separators"}
    assert error.findings[0].path == "/interchange/UNA"


def test_wrong_terminator_without_una() -> None:
    error = rejected_interchange(interchange(message(BODY), una=None, terminator="~"))
    assert codes(error.findings) == {"wrong_separators"}


@pytest.mark.parametrize("una", ["UNA:+", "UNA::.? '", "UNA:+.?'+", "UNA:+;? '"])
def test_invalid_una(una: str) -> None:
    error = rejected_interchange(una + "UNB+UNOC:3+S+R+261129:0800+R'UNZ+0+R'")
    assert "invalid_una" in codes(error.findings) or "wrong_separators" in codes(error.findings)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty_interchange"),
        ("   \r\n", "empty_interchange"),
        ("ISA*00*          *00*", "not_edifact"),
        ("<DecMessage/>", "not_edifact"),
        ("UNH+1+CUSCAR:D:95B:UN'UNT+2+1'", "missing_unb"),
        ("UNB+UNOC:3+S+R+261129:0800'UNZ+0+X'", "invalid_unb"),
        ("UNB+UNOC:3+S+R+2611:0800+R'UNZ+0+R'", "invalid_unb"),
        ("UNB+XXXX:3+S+R+261129:0800+R'UNZ+0+R'", "unsupported_syntax"),
    ],
)
def test_interchange_level_failures(text: str, code: str) -> None:
    assert code in codes(rejected_interchange(text.encode("latin-1")).findings)


def test_missing_unh_is_a_rejection_and_the_next_message_is_read() -> None:
    text = interchange([*BODY, "UNT+3+9"], message(BODY, ref="2"))
    rejected, good = items(text)
    assert isinstance(rejected, Rejection)
    assert codes(rejected.findings) == {"missing_unh"}
    assert rejected.findings[0].path == "/messages/0/segments/1"
    assert isinstance(good, Message)
    assert good.reference == "2"


def test_missing_unt_when_the_next_message_starts() -> None:
    text = interchange(message(BODY)[:-1], message(BODY, ref="2"))
    rejected, good = items(text)
    assert isinstance(rejected, Rejection)
    assert codes(rejected.findings) == {"missing_unt"}
    assert rejected.reference == "1"
    assert isinstance(good, Message)


def test_segment_count_mismatch_names_the_unt_element() -> None:
    text = interchange(message(BODY, count=7), message(BODY, ref="2"))
    rejected, good = items(text)
    assert isinstance(rejected, Rejection)
    (finding,) = rejected.findings
    assert finding.code == "segment_count_mismatch"
    assert finding.path == "/messages/0/segments/4/elements/1"
    assert "7" in finding.message
    assert finding.message_zh
    assert isinstance(good, Message)


def test_message_reference_mismatch() -> None:
    bad = ["UNH+1+CUSCAR:D:95B:UN", *BODY, "UNT+4+2"]
    (rejected,) = items(interchange(bad))
    assert isinstance(rejected, Rejection)
    assert codes(rejected.findings) == {"message_reference_mismatch"}


@pytest.mark.parametrize(
    "identifier", ["CUSCAR", "CUSCAR:D", "CUSCAR:D:95B", "cuscar:D:95B:UN", ":D:95B:UN"]
)
def test_incomplete_message_identifier(identifier: str) -> None:
    (rejected,) = items(interchange(message(BODY, identifier=identifier)))
    assert isinstance(rejected, Rejection)
    assert codes(rejected.findings) == {"invalid_message_identifier"}
    assert rejected.findings[0].path.startswith("/messages/0/segments/1/elements/2/components/")


def test_unz_count_and_reference_are_checked_after_the_messages() -> None:
    text = interchange(message(BODY), count=3).replace("UNZ+3+REF1", "UNZ+3+OTHER")
    seen: list[Message | Rejection] = []
    with pytest.raises(EdifactError) as caught:
        collect(text, seen)
    (only,) = seen
    assert isinstance(only, Message)
    assert codes(caught.value.findings) == {
        "control_count_mismatch",
        "interchange_reference_mismatch",
    }
    assert {f.path for f in caught.value.findings} == {
        "/interchange/UNZ/elements/1",
        "/interchange/UNZ/elements/2",
    }


def collect(text: str, seen: list[Message | Rejection]) -> None:
    """Read ``text`` into ``seen`` item by item, so items before a late error are kept."""
    for item in iter_messages(io.BytesIO(text.encode())):
        seen.append(item)


def test_truncated_file_rejects_the_open_message_and_the_interchange() -> None:
    full = interchange(message(BODY), message(BODY, ref="2"))
    cut = full[: full.index("TDT+20+001E'UNT+4+2") + 6]
    seen: list[Message | Rejection] = []
    with pytest.raises(EdifactError) as caught:
        collect(cut, seen)
    good, truncated = seen
    assert isinstance(good, Message)
    assert isinstance(truncated, Rejection)
    assert codes(truncated.findings) == {"truncated", "missing_unt"}
    assert codes(caught.value.findings) == {"missing_unz"}


def test_truncated_before_any_message_end() -> None:
    error = rejected_interchange("UNA:+.? 'UNB+UNOC:3+S+R+261129:0800+R")
    assert codes(error.findings) == {"wrong_separators"}


def test_bad_segment_rejects_its_message_only() -> None:
    text = interchange(message(["BGM+785+X+9", "lower+case"]), message(BODY, ref="2"))
    rejected, good = items(text)
    assert isinstance(rejected, Rejection)
    assert codes(rejected.findings) == {"invalid_segment_tag"}
    assert rejected.findings[0].path == "/messages/0/segments/3"
    assert isinstance(good, Message)


def test_invalid_encoding_is_a_message_finding() -> None:
    text = interchange(message(["BGM+785+X+9"])).replace("UNOC", "UNOA").encode("latin-1")
    bad = text.replace(b"+X+", "+\u00e9+".encode("latin-1"))
    (rejected,) = items(bad)
    assert isinstance(rejected, Rejection)
    assert codes(rejected.findings) == {"invalid_encoding"}


def test_encoding_override() -> None:
    text = interchange(message(["BGM+785+货物+9"])).replace("UNOC", "UNOA")
    (found,) = iter_messages(io.BytesIO(text.encode("gb18030")), encoding="gb18030")
    assert isinstance(found, Message)
    assert found.segments[1].elements[1] == "货物"


def test_functional_groups() -> None:
    group = [
        "UNG+CUSCAR+SENDER+RECIPIENT+261129:0800+G1+UN+D:95B",
        *message(BODY),
        *message(BODY, ref="2"),
        "UNE+2+G1",
    ]
    text = interchange(group, count=1)
    read = read_interchange(text)
    assert [m.group_reference for m in read.messages] == ["G1", "G1"]


def test_functional_group_count_and_type_mismatch() -> None:
    group = ["UNG+CUSRES+S+R+261129:0800+G1+UN+D:95B", *message(BODY), "UNE+5+G2"]
    seen: list[Message | Rejection] = []
    with pytest.raises(EdifactError) as caught:
        collect(interchange(group, count=1), seen)
    (rejected,) = seen
    assert isinstance(rejected, Rejection)
    assert codes(rejected.findings) == {"group_message_type_mismatch"}
    assert codes(caught.value.findings) == {"control_count_mismatch", "group_reference_mismatch"}


def test_data_after_unz() -> None:
    text = interchange(message(BODY)) + "UNH+9+CUSCAR:D:95B:UN'"
    assert codes(rejected_interchange(text).findings) == {"data_after_unz"}


def test_oversized_segment_stops_with_a_clear_error() -> None:
    text = interchange(message(["FTX+AAA+++" + "x" * 5000]))
    with pytest.raises(EdifactError) as caught:
        list(iter_messages(io.BytesIO(text.encode()), max_segment_bytes=1000))
    assert codes(caught.value.findings) == {"segment_too_long"}


def test_oversized_message_is_rejected_without_being_kept() -> None:
    text = interchange(message(["FTX+AAA+++" + "x" * 500] * 20), message(BODY, ref="2"))
    big, good = iter_messages(io.BytesIO(text.encode()), max_message_bytes=4000)
    assert isinstance(big, Rejection)
    assert codes(big.findings) == {"message_too_large"}
    assert isinstance(good, Message)


def test_utf8_bom_and_leading_blank_lines_are_skipped() -> None:
    text = "\ufeff\r\n" + interchange(message(BODY))
    assert len(read_interchange(text.encode("utf-8")).messages) == 1


def test_rejection_error_is_a_422_with_its_findings() -> None:
    (rejected,) = items(interchange(message(BODY, count=9)))
    assert isinstance(rejected, Rejection)
    error = rejected.error()
    assert error.status == 422
    body = error.as_body()["error"]
    assert body["findings"][0]["code"] == "segment_count_mismatch"
    assert body["message_zh"]
