"""Property tests: generated documents round-trip through every writer and reader, and
arbitrary input never raises anything but our own 4xx errors (a fuzz run)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import ValidationFailed
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.documents.transport_samples import sample_manifest
from singlewindow.standards.edifact import (
    EdifactError,
    acknowledgement_to_aperak,
    aperak_to_acknowledgement,
    baplie_to_container_list,
    container_list_to_baplie,
    cuscar_to_manifest,
    cusdec_to_goods_declaration,
    cusres_to_response,
    encode_interchange,
    goods_declaration_to_cusdec,
    iter_documents,
    manifest_to_cuscar,
    read_documents,
    response_to_cusres,
)
from singlewindow.standards.edifact.syntax import (
    DEFAULT_DELIMITERS,
    _tokenise,
    build,
    parse_segment,
    parse_una,
    render,
    split_plain,
)
from tests.standards.edifact.build import ENVELOPE, only_message

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEXT = st.text(
    alphabet=st.sampled_from(list("ABCXYZabcxyz0129 .,-/&()+:'?\"中文货物深圳")),
    min_size=1,
    max_size=90,
)
CODE = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=12)
DIGITS = st.text(alphabet="0123456789", min_size=4, max_size=4)
PORT = st.sampled_from(["CNYTN", "HKHKG", "SGSIN", "NLRTM", "CNSHK"]) | CODE
COUNTRY = st.sampled_from(["CHN", "HKG", "USA", "JPN", "DEU", "XXX"])
COUNT = st.integers(0, 999_999).map(str).map(int)
AMOUNT = st.builds(
    lambda n, places: format(Decimal(n).scaleb(-places), "f"),
    st.integers(0, 10**10),
    st.integers(0, 3),
)
ZONES = st.sampled_from(
    [CHINA_TZ, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
)
MOMENT = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=ZONES
).map(lambda moment: moment.replace(microsecond=0).isoformat())


def words(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Space-separated tokens (seals, UN numbers)."""
    return st.lists(strategy, min_size=1, max_size=3).map(" ".join)


# -- syntax --------------------------------------------------------------------------------


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("AB1 :+x中\n")), max_size=30))
def test_plain_split_is_what_pydifact_builds(text: str) -> None:
    segment = "BGM+" + text
    assert split_plain(segment, DEFAULT_DELIMITERS) == _tokenise(segment, DEFAULT_DELIMITERS)


SEPARATED = st.text(alphabet=st.sampled_from(list("Ab1 |*#~^!\\;:+?'中")), min_size=1, max_size=40)


@FAST
@given(
    st.lists(SEPARATED, min_size=1, max_size=4),
    st.sampled_from(["UNA:+.? '", "UNA|*.# ~", "UNA^!,\\ ;"]),
)
def test_any_text_survives_custom_separators(values: list[str], una: str) -> None:
    delimiters = parse_una(una)
    text = render([build("FTX", "AAA", None, None, values)], delimiters, una=False)
    parsed = parse_segment(text[: -len(delimiters.terminator)], delimiters)
    expected = list(values)
    while len(expected) > 1 and not expected[-1]:
        expected.pop()
    assert parsed.elements[3] == (expected if len(expected) > 1 else expected[0])


# -- round trips ---------------------------------------------------------------------------


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    bills = draw(st.lists(CODE, min_size=1, max_size=3, unique=True))
    mode = draw(st.sampled_from(["2", "3", "4", "5"]))
    head = draw(
        st.fixed_dictionaries(
            {"function": st.sampled_from(["9", "2", "5", "3"]), "mode": st.just(mode)},
            optional={
                "customs_office": DIGITS,
                "carrier_code": CODE,
                "agent_code": CODE,
                "representative": TEXT,
                "means_id": DIGITS.map(lambda d: d + "123") if mode == "2" else CODE,
                "means_name": TEXT,
                "journey_id": CODE,
                "loading_port": PORT,
                "unloading_port": PORT,
                "first_arrival_port": PORT,
                "arrival_date": MOMENT,
                "departure_date": MOMENT,
                "terminal_code": CODE,
                "change_reason": TEXT,
            },
        )
    )
    consignments, items, containers = [], [], []
    for bill in bills:
        consignments.append(
            draw(
                st.fixed_dictionaries(
                    {"bill_no": st.just(bill)},
                    optional={
                        "house_bill_no": CODE,
                        "packages": COUNT,
                        "package_type": DIGITS.map(lambda d: d[:2]),
                        "gross_weight_kg": AMOUNT,
                        "volume_m3": AMOUNT,
                        "value": AMOUNT,
                        "currency": st.sampled_from(["USD", "CNY"]),
                        "loading_port": PORT,
                        "unloading_port": PORT,
                        "delivery_place": TEXT,
                        "freight_payment": st.sampled_from(["PP", "CC"]),
                        "consignor_id": TEXT,
                        "consignor_name": TEXT,
                        "consignor_country": COUNTRY,
                        "consignee_id": CODE.map(lambda c: "USCI+" + c),
                        "consignee_name": TEXT,
                        "consignee_address": TEXT,
                        "consignee_country": COUNTRY,
                        "notify_name": TEXT,
                        "un_numbers": words(DIGITS),
                        "change_reason": TEXT,
                    },
                )
            )
        )
        for seq in range(1, draw(st.integers(0, 2)) + 1):
            item = draw(
                st.fixed_dictionaries(
                    {"bill_no": st.just(bill), "seq": st.just(seq)},
                    optional={
                        "packages": COUNT,
                        "package_type": DIGITS.map(lambda d: d[:2]),
                        "description": TEXT,
                        "hs_code": DIGITS,
                        "gross_weight_kg": AMOUNT,
                        "container_no": CODE,
                        "un_number": DIGITS,
                    },
                )
            )
            items.append(item)
    for _ in range(draw(st.integers(0, 2))):
        containers.append(
            draw(
                st.fixed_dictionaries(
                    {"container_no": CODE},
                    optional={
                        "bill_no": st.sampled_from(bills),
                        "size_type": CODE,
                        "fullness": st.sampled_from(["4", "5"]),
                        "seals": words(CODE),
                    },
                )
            )
        )
    doc: dict[str, Any] = {
        "client_ref": draw(CODE),
        "message_type": draw(st.sampled_from(["MT1101", "MT3101"])),
    }
    doc |= {"head": head, "consignments": consignments}
    if items:
        doc["items"] = items
    if containers:
        doc["containers"] = containers
    return doc


@FAST
@given(manifests())
def test_generated_manifests_round_trip(doc: dict[str, Any]) -> None:
    text = manifest_to_cuscar(doc, **ENVELOPE)
    back = cuscar_to_manifest(only_message(text))
    assert back == doc
    assert manifest_to_cuscar(back, **ENVELOPE) == text


@st.composite
def container_lists(draw: st.DrawFn) -> dict[str, Any]:
    containers = []
    for _ in range(draw(st.integers(0, 3))):
        row = draw(
            st.fixed_dictionaries(
                {"position": DIGITS.map(lambda d: "0" + d + "82"), "container_no": CODE},
                optional={
                    "size_type": CODE,
                    "fullness": st.sampled_from(["4", "5"]),
                    "gross_weight_kg": AMOUNT,
                    "loading_port": PORT,
                    "discharge_port": PORT,
                    "operator": CODE,
                    "temperature_c": AMOUNT.map(lambda a: "-" + a if a != "0" else a),
                },
            )
        )
        goods = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"un_number": DIGITS},
                    optional={"imdg_class": st.sampled_from(["3", "9", "2.1"])},
                ),
                max_size=3,
            )
        )
        if goods:
            row |= goods[0]
        if len(goods) > 1:
            row["dangerous_goods"] = goods
        containers.append(row)
    vessel = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "imo": DIGITS.map(lambda d: d + "729"),
                "name_en": TEXT,
                "carrier_code": CODE,
            },
        )
    )
    doc = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "ref": CODE,
                "prepared_at": MOMENT,
                "voyage": CODE,
                "port": PORT,
                "next_port": PORT,
            },
        )
    )
    if vessel:
        doc["vessel"] = vessel
    doc["containers"] = containers
    return doc


@FAST
@given(container_lists())
def test_generated_container_lists_round_trip(doc: dict[str, Any]) -> None:
    text = container_list_to_baplie(doc, **ENVELOPE)
    back = baplie_to_container_list(only_message(text))
    assert back == doc
    assert container_list_to_baplie(back, **ENVELOPE) == text


RESPONSES = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["accepted", "rejected", "inspection_required", "released"]),
        "reasons": st.lists(
            st.fixed_dictionaries({"code": CODE}, optional={"text": TEXT}), max_size=3
        ),
    },
    optional={"declaration_ref": CODE, "unified_no": CODE, "entry_no": CODE, "at": MOMENT},
)


@FAST
@given(RESPONSES)
def test_generated_responses_round_trip(doc: dict[str, Any]) -> None:
    text = response_to_cusres(doc, **ENVELOPE)
    assert cusres_to_response(only_message(text)) == doc


ACKNOWLEDGEMENTS = st.fixed_dictionaries(
    {
        "accepted": st.booleans(),
        "errors": st.lists(
            st.fixed_dictionaries(
                {"code": CODE}, optional={"path": TEXT, "message": TEXT, "message_zh": TEXT}
            ),
            max_size=3,
        ),
    },
    optional={"ref": CODE, "at": MOMENT},
)


@FAST
@given(ACKNOWLEDGEMENTS)
def test_generated_acknowledgements_round_trip(doc: dict[str, Any]) -> None:
    text = acknowledgement_to_aperak(doc, **ENVELOPE)
    assert aperak_to_acknowledgement(only_message(text)) == doc


@FAST
@given(
    st.sampled_from(["I", "E"]),
    st.integers(1, 3),
    st.fixed_dictionaries(
        {}, optional={"trade_name": TEXT, "mark_no": TEXT, "note_s": TEXT, "contr_no": CODE}
    ),
    st.fixed_dictionaries(
        {}, optional={"g_name": TEXT, "g_model": TEXT, "g_qty": AMOUNT, "decl_total": AMOUNT}
    ),
)
def test_generated_goods_declarations_round_trip(
    ie_flag: str, lines: int, head: dict[str, Any], line: dict[str, Any]
) -> None:
    doc = sample_goods_declaration(ie_flag, lines=lines, client_ref="C1")
    doc["head"] |= head
    doc["lines"][-1] |= line
    del doc["sign"]
    text = goods_declaration_to_cusdec(doc, **ENVELOPE)
    back = cusdec_to_goods_declaration(only_message(text))
    assert back == doc
    assert goods_declaration_to_cusdec(back, **ENVELOPE) == text


# -- fuzz: only our own errors -------------------------------------------------------------


def failure(read: Callable[[], object]) -> EdifactError | None:
    try:
        read()
    except EdifactError as error:
        return error
    return None


def read_all(data: bytes) -> None:
    """Read ``data`` whole and streamed: nothing but an ``EdifactError`` with findings."""
    for error in (
        failure(lambda: read_documents(data)),
        failure(lambda: list(iter_documents(io.BytesIO(data), chunk_size=7))),
    ):
        assert error is None or (error.status == 422 and error.findings)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_edifact_errors(data: bytes) -> None:
    read_all(data)


HEADER = "UNA:+.? 'UNB+UNOC:3+S+R+261129:0800+R'"
PIECES = st.sampled_from(
    [
        *(f"UNH+1+{kind}:D:95B:UN'" for kind in ("CUSCAR", "BAPLIE", "CUSDEC", "CUSRES", "APERAK")),
        "UNT+3+1'", "UNZ+1+R'", "UNG+CUSCAR+S+R+261129:0800+G+UN+D:95B'", "UNE+1+G'",
        "BGM+785:::MT1101+R+9'", "BGM+929+C+9'", "TDT+20+1+1'", "CNI+1'", "GID+1+2:22'",
        "EQD+CN+X'", "LOC+147+1::5'", "DTM+137:2026:304'", "CST+1'", "UNS+D'", "ERC+E'",
        "FTX+AAO+++x+ZH'", "GIS+1:TradeMode:ZZZ'", "NAD+CZ+1:T++n+++++CN'", "MEA+WT++KGM:x'",
        "?", "'", "+", ":", "\n", "中", "\xff",
    ]
)  # fmt: skip


@FUZZ
@given(st.lists(PIECES, max_size=25))
def test_edifact_like_input_raises_only_edifact_errors(pieces: list[str]) -> None:
    read_all((HEADER + "".join(pieces)).encode("utf-8"))


@FUZZ
@given(st.data())
def test_damaged_interchanges_raise_only_edifact_errors(data: st.DataObject) -> None:
    text = bytearray(
        encode_interchange(manifest_to_cuscar(sample_manifest(client_ref="C1"), **ENVELOPE))
    )
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            text[at] = data.draw(st.sampled_from(b"'+:?\x00A9 \xe4"))
        elif action == "cut":
            del text[at : at + data.draw(st.integers(1, 40))]
        else:
            text[at:at] = data.draw(
                st.sampled_from([b"'", b"UNH+9+CUSCAR:D:95B:UN'", b"UNT+2+9'", b"?", b"\r\n"])
            )
    read_all(bytes(text))


KEYS = [
    "head",
    "consignments",
    "items",
    "containers",
    "bill_no",
    "seq",
    "packages",
    "arrival_date",
    "mode",
    "means_id",
    "position",
    "status",
    "reasons",
    "code",
    "errors",
    "accepted",
    "lines",
    "g_no",
    "ie_flag",
    "vessel",
    "dangerous_goods",
    "seals",
    "value",
    "at",
    "temperature_c",
    "licences",
    "attachments",
    "container_no",
]
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=6) | st.floats()
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=5)
    ),
    max_leaves=12,
)
WRITERS = [
    manifest_to_cuscar,
    container_list_to_baplie,
    goods_declaration_to_cusdec,
    response_to_cusres,
    acknowledgement_to_aperak,
]


@FUZZ
@given(JSON, st.sampled_from(WRITERS))
def test_writers_raise_only_validation_errors(doc: Any, writer: Any) -> None:
    text, error = None, None
    try:
        text = writer(doc, **ENVELOPE)
    except ValidationFailed as caught:
        error = caught
    if error is not None:
        assert error.status == 422
        assert error.findings
    else:
        assert text is not None
        read_documents(text)  # what we write, we read (rejections allowed, never a crash)
