"""Pointers, projection and the condition language: pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from singlewindow.exchange.conditions import condition_findings, matches
from singlewindow.exchange.pointers import MISSING, PointerError, parse, project, resolve
from singlewindow.exchange.rules import LICENSING_PROJECTION, projection_findings, rule_findings

DOC: dict[str, Any] = {
    "client_ref": "R1",
    "head": {"ie_flag": "I", "trade_name": "ACME", "custom_master": "5316", "secret": "x"},
    "licences": [{"code": "L1"}],
    "lines": [
        {"g_no": 1, "code_ts": "8471300000", "g_name": "laptop", "price": 9},
        {"g_no": 2, "code_ts": "8517120000", "g_name": "phone"},
    ],
    "a/b": {"~k": 1},
}


def test_parse_and_resolve() -> None:
    assert parse("") == []
    assert parse("/a~1b/~0k") == ["a/b", "~k"]
    assert resolve(DOC, "/a~1b/~0k") == 1
    assert resolve(DOC, "/lines/1/g_no") == 2
    assert resolve(DOC, "/lines/9/g_no") is MISSING
    for bad in ("x", "/a//b", "/a~2"):
        with pytest.raises(PointerError):
            parse(bad)


def test_projection_keeps_only_named_fields_and_array_positions() -> None:
    out = project(DOC, ["/client_ref", "/head/ie_flag", "/lines/*/g_no", "/lines/*/price"])
    assert out == {
        "client_ref": "R1",
        "head": {"ie_flag": "I"},
        "lines": [{"g_no": 1, "price": 9}, {"g_no": 2}],
    }
    assert project(DOC, []) is DOC
    licensing = project(DOC, list(LICENSING_PROJECTION))
    assert "secret" not in licensing["head"]
    assert licensing["licences"] == [{"code": "L1"}]
    assert project(DOC, ["/nope"]) == {}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (None, True),
        ({"op": "nonempty", "path": "/licences"}, True),
        ({"op": "empty", "path": "/nothing"}, True),
        ({"op": "exists", "path": "/head/ie_flag"}, True),
        ({"op": "eq", "path": "/head/ie_flag", "value": "E"}, False),
        ({"op": "ne", "path": "/head/ie_flag", "value": "E"}, True),
        ({"op": "in", "path": "/head/custom_master", "values": ["5316", "5301"]}, True),
        (
            {
                "op": "all",
                "of": [
                    {"op": "nonempty", "path": "/licences"},
                    {"op": "not", "of": {"op": "eq", "path": "/head/ie_flag", "value": "E"}},
                ],
            },
            True,
        ),
        ({"op": "any", "of": [{"op": "empty", "path": "/licences"}]}, False),
        ({"op": "eq", "path": "/channel", "value": "web", "in": "context"}, True),
    ],
)
def test_conditions(condition: dict[str, Any] | None, expected: bool) -> None:
    assert condition_findings(condition) == []
    assert matches(condition, DOC, {"channel": "web"}) is expected


def test_bad_rules_name_the_field() -> None:
    paths = {f.path for f in condition_findings({"op": "all", "of": [{"op": "zz", "path": "/a"}]})}
    assert paths == {"/condition/of/0/op"}
    assert condition_findings({"op": "eq", "path": "bad"})[0].path == "/condition/path"
    assert condition_findings({"op": "eq", "path": "/a"})[0].path == "/condition/value"
    assert projection_findings(["/ok", "no-slash"])[0].path == "/projection/1"
    findings = rule_findings(None, {"resolver": "astrology"}, [])
    assert findings[0].path == "/recipient/resolver"
    assert findings[0].message_zh
    assert rule_findings(None, {"resolver": "fixed"}, [])[0].path == "/recipient/code"
    assert rule_findings(None, {"resolver": "port_operator"}, [])[0].path == "/recipient/path"
