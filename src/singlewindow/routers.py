"""Every context's JSON router, in one list (the app factory mounts them)."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> list[APIRouter]:
    from singlewindow.agencies.api import router as agencies
    from singlewindow.analytics.api import router as analytics
    from singlewindow.audit.api import router as audit
    from singlewindow.declarations.api import router as declarations
    from singlewindow.exchange.api import router as exchange
    from singlewindow.identity.api import router as identity
    from singlewindow.identity.oidc.api import router as oidc
    from singlewindow.inspection.api import router as inspections
    from singlewindow.inspection.port_api import router as port
    from singlewindow.mandates.api import router as mandates
    from singlewindow.ops.api import router as ops
    from singlewindow.ops.status_api import router as service_status
    from singlewindow.parties.api import router as parties
    from singlewindow.query.api import router as query
    from singlewindow.signing.api import router as signing
    from singlewindow.standards.api import router as document_types
    from singlewindow.standards.codes.api import router as code_tables
    from singlewindow.subscriptions.api import router as subscriptions
    from singlewindow.transport.api import router as transport

    return [
        ops,
        identity,
        oidc,
        code_tables,
        document_types,
        parties,
        signing,
        mandates,
        declarations,
        transport,
        query,
        inspections,
        port,
        subscriptions,
        analytics,
        agencies,
        exchange,
        audit,
        service_status,
    ]
