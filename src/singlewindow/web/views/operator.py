"""The operator's pages (issue 6): node status, message monitor, parties and users, code
tables and routing rules. One module per page group; this router mounts them all."""

from __future__ import annotations

from fastapi import APIRouter

from singlewindow.web.views import (
    operator_codes,
    operator_messages,
    operator_parties,
    operator_routing,
    operator_status,
)

router = APIRouter(include_in_schema=False)

for _module in (
    operator_status,
    operator_messages,
    operator_parties,
    operator_codes,
    operator_routing,
):
    router.include_router(_module.router)
