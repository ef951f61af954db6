"""The pure chain: hashing, normalisation, anchors, and a property test of tamper detection."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.audit.chain import (
    GENESIS,
    Anchor,
    Link,
    Walker,
    entry_content,
    entry_hash,
    normalise,
)
from singlewindow.kit.clock import CHINA_TZ

T0 = datetime(2026, 1, 1, tzinfo=UTC)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def content(i: int, detail: Any = None) -> dict[str, Any]:
    return entry_content(
        entry_id=f"id-{i:04d}",
        at=T0 + timedelta(seconds=i),
        actor=f"actor-{i}",
        action="declaration.read",
        target_type="declaration",
        target_id=f"D{i}",
        outcome="ok",
        org="CUS-5300",
        ip=None,
        detail=normalise(detail if detail is not None else {"i": i}),
    )


def chain(n: int, details: list[Any] | None = None) -> list[Link]:
    links, prev = [], GENESIS
    for i in range(1, n + 1):
        c = content(i, details[i - 1] if details else None)
        digest = entry_hash(prev, c)
        links.append(Link(i, str(c["id"]), prev, digest, c))
        prev = digest
    return links


def check(
    links: list[Link], head_seq: int, head_hash: str
) -> list[tuple[str, int | None, str | None]]:
    walker = Walker(head_seq=head_seq)
    for link in links:
        walker.feed(link)
    walker.finish(head_hash)
    return [(p.code, p.seq, p.entry_id) for p in walker.problems]


def test_hash_is_sha256_of_prev_and_rfc8785_content() -> None:
    c = content(1)
    expected = hashlib.sha256(GENESIS.encode() + rfc8785.dumps(c)).hexdigest()
    assert entry_hash(GENESIS, c) == expected
    assert entry_hash("1" * 64, c) != expected  # the link is part of the hash


def test_timestamps_are_hashed_in_utc_with_microseconds() -> None:
    china = datetime(2026, 1, 1, 16, tzinfo=CHINA_TZ)
    a = entry_content(
        entry_id="x", at=china, actor="a", action="a.b", target_type="t", target_id=None,
        outcome="ok", org=None, ip=None, detail={},
    )  # fmt: skip
    assert a["at"] == "2026-01-01T08:00:00.000000+00:00"


class Colour(enum.Enum):
    red = "red"


def test_normalise_makes_anything_json() -> None:
    value = {
        1: Colour.red,
        "big": 2**60,
        "nan": math.nan,
        "when": T0,
        "amount": Decimal("1.10"),
        "tuple": (1, "a"),
        "ok": [True, None, 1.5, -(2**53 - 1)],
    }
    out = normalise(value)
    assert out == {
        "1": "red",
        "big": str(2**60),
        "nan": "nan",
        "when": "2026-01-01T00:00:00+00:00",
        "amount": "1.10",
        "tuple": [1, "a"],
        "ok": [True, None, 1.5, -(2**53 - 1)],
    }
    rfc8785.dumps(out)  # accepted by the canonical form
    assert normalise(out) == out  # idempotent: normalising again at hash time changes nothing


@given(json_values)
def test_normalised_values_always_hash(value: Any) -> None:
    entry_hash(GENESIS, content(1, value))


@pytest.mark.parametrize(
    "text", ["", "5", "5:", "x:" + "a" * 64, "5:" + "a" * 63, "5:" + "g" * 64, "-1:" + "a" * 64]
)
def test_anchor_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="SEQ:HASH"):
        Anchor.parse(text)


def test_anchor_round_trip() -> None:
    anchor = Anchor.parse(" 12:" + "AB" * 32 + "\n")
    assert anchor == Anchor(12, "ab" * 32)
    assert str(anchor) == "12:" + "ab" * 32


TAMPER = st.sampled_from(["change", "delete", "insert", "insert_garbage", "append"])


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=12),
    data=st.data(),
    tamper=TAMPER,
)
def test_walker_names_the_tampered_entry(n: int, data: st.DataObject, tamper: str) -> None:
    details = data.draw(st.lists(json_values, min_size=n, max_size=n))
    links = chain(n, details)
    head_seq, head_hash = n, links[-1].entry_hash
    assert check(links, head_seq, head_hash) == []
    k = data.draw(st.integers(min_value=1, max_value=n))
    victim = links[k - 1]
    forged_content = {**content(1000 + k), "actor": "mallory"}
    if tamper == "change":
        field = data.draw(st.sampled_from(["actor", "action", "at", "target_id", "detail"]))
        old = rfc8785.dumps(normalise(victim.content[field]))
        new_value = data.draw(json_values.filter(lambda v: rfc8785.dumps(normalise(v)) != old))
        links[k - 1] = dataclasses.replace(victim, content={**victim.content, field: new_value})
        expected = [("changed", k, victim.entry_id)]
    elif tamper == "delete":
        del links[k - 1]
        expected = [("missing", k, None)]
    elif tamper in ("insert", "insert_garbage"):
        renumbered = [dataclasses.replace(x, seq=x.seq + 1) for x in links[k - 1 :]]
        if tamper == "insert":
            prev = victim.prev_hash
            forged = Link(k, "forged", prev, entry_hash(prev, forged_content), forged_content)
        else:
            garbage = data.draw(st.text("0123456789abcdef", min_size=64, max_size=64))
            forged = Link(
                k, "forged", garbage, data.draw(st.sampled_from(["", "f" * 64])), forged_content
            )
        links = [*links[: k - 1], forged, *renumbered]
        head_seq += 1  # a careful forger moves the head too
        expected = [("inserted", k, "forged")]
    else:  # append beyond the head without moving it
        prev = links[-1].entry_hash
        links.append(Link(n + 1, "forged", prev, entry_hash(prev, forged_content), forged_content))
        expected = [("inserted", n + 1, "forged")]
    assert check(links, head_seq, head_hash) == expected
