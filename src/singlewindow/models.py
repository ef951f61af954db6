"""Imports every context's ORM models so that ``Base.metadata`` knows all tables.

Alembic's env and the test fixtures import this module; domain code never does.
"""

from __future__ import annotations

import singlewindow.agencies.worklist
import singlewindow.analytics.models
import singlewindow.audit.models
import singlewindow.declarations.attachments
import singlewindow.declarations.models
import singlewindow.exchange.models
import singlewindow.identity.models
import singlewindow.identity.oidc.models
import singlewindow.inspection.models
import singlewindow.kit.sequences
import singlewindow.mandates.models
import singlewindow.ops.models
import singlewindow.parties.models
import singlewindow.signing.models
import singlewindow.standards.codes.models
import singlewindow.subscriptions.models
import singlewindow.transport.models  # noqa: F401
from singlewindow.kit.db import Base

__all__ = ["Base"]
