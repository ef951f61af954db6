"""Property-based run over the whole OpenAPI document: no 5xx, and every 4xx has the error shape.

Each operation runs in three modes: ``positive`` (schema-valid requests), ``negative``
(schema-invalid requests) and ``known`` (positive, with path parameters set to ids that exist on
the node, so handlers get past their 404). Requests carry the bearer key of a party allowed to
use the operation (trader, customs agency or node operator), so they get past 401.

Negative mode is generated only where a schema-invalid request exists (a body, or a constrained
parameter); it may also send a broken ``Authorization`` header (the bearer scheme is declared).

Bounded: 12 examples per operation and mode (``SW_SCHEMATHESIS_EXAMPLES`` raises it for a deeper
local run), derandomized, no deadline, no example database. Streaming endpoints are capped, not
excluded: the long-poll inbox is called with ``wait=0`` (and the node's ``long_poll_max_seconds``
is 0.05) and the SSE stream with ``timeout=1`` and 3 examples, so nothing hangs.

The operations are listed at collection time from the routers (no database needed); the schema
itself is loaded per module from the running app (``api_schema``). This drives Hypothesis
directly instead of ``schemathesis.pytest.from_fixture``, which does not work with pytest 9.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from singlewindow.routers import all_routers
from tests.api.conftest import ApiNode, assert_error_shape

MAX_EXAMPLES = int(os.environ.get("SW_SCHEMATHESIS_EXAMPLES", "12"))
STREAM_EXAMPLES = 3

OPERATOR_PREFIXES = (
    "/api/v1/exchange/rules",
    "/api/v1/exchange/channels/{recipient}",
    "/api/v1/exchange/messages",
    "/api/v1/exchange/backlog",
    "/api/v1/exchange/dead-letters",
    "/api/v1/exchange/log",
    "/api/v1/parties/{code}",
    "/api/v1/audit",
    "/api/v1/users",
    "/api/v1/signing/revocations",
)
AGENCY_PREFIXES = ("/api/v1/agency",)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    app = FastAPI()
    for router in all_routers():
        app.include_router(router)
    return [
        (method.upper(), path, operation)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
    ]


def _negatable(operation: dict[str, Any]) -> bool:
    """Whether a schema-invalid request exists: a body, or a parameter with a constraint."""
    if "requestBody" in operation:
        return True
    for parameter in operation.get("parameters", []):
        schema = {
            k: v
            for k, v in parameter.get("schema", {}).items()
            if k not in ("title", "description", "default")
        }
        if schema not in ({"type": "string"}, {"anyOf": [{"type": "string"}, {"type": "null"}]}):
            return True
    return False


def _params() -> list[Any]:
    out = []
    for method, path, operation in _operations():
        modes = ["positive"]
        modes += ["negative"] if _negatable(operation) else []
        modes += ["known"] if "{" in path else []
        out += [pytest.param(method, path, mode, id=f"{method} {path} {mode}") for mode in modes]
    return out


def role_for(method: str, path: str) -> str:
    if path.startswith(OPERATOR_PREFIXES) or (method == "POST" and path == "/api/v1/parties"):
        return "operator"
    if path.startswith(AGENCY_PREFIXES):
        return "CUS5300"
    return "trader"


@pytest.mark.parametrize(("method", "path", "mode"), _params())
def test_no_server_error_and_errors_have_the_shape(
    api_node: ApiNode, api_schema: Any, method: str, path: str, mode: str
) -> None:
    operation = api_schema[path][method]
    query: dict[str, Any] = {}
    examples = MAX_EXAMPLES
    if path == "/api/v1/exchange/inbox" and method == "GET":
        query["wait"] = 0  # no long-poll in a property run
    if path in ("/api/v1/exchange/events", "/api/v1/subscriptions/stream"):
        query["timeout"] = 1  # the stream closes after one second
        examples = STREAM_EXAMPLES
    path_parameters = None
    if mode == "known":
        names = re.findall(r"{(\w+)}", path)
        path_parameters = {name: api_node.known[name] for name in names}
    generation = GenerationMode.NEGATIVE if mode == "negative" else GenerationMode.POSITIVE
    strategy = operation.as_strategy(
        generation, query=query or None, path_parameters=path_parameters
    )
    headers = api_node.auth(role_for(method, path))

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {response.status_code}\n"
            f"{case.as_curl_command()}\n{response.text[:2000]}"
        )
        if 400 <= response.status_code < 500:
            assert_error_shape(response.json())

    check()
