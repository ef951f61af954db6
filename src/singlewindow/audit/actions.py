"""The audit vocabulary: action names (``context.verb``) and target types other contexts use.

Names are data in the log, so they never change meaning; add new ones rather than reuse.
"""

from __future__ import annotations

from typing import Final

# Sign-in (identity): outcome "ok", or "failed" / "denied" (locked out, deactivated).
LOGIN: Final = "identity.login"
LOGIN_FAILED: Final = "identity.login_failed"
LOGOUT: Final = "identity.logout"
TOKEN_ISSUED: Final = "identity.token_issued"  # noqa: S105 - an action name, not a secret
USER_CHANGED: Final = "identity.user_changed"  # created, updated, reset, unlocked, TOTP reset

# Declarations: every status change, and every read by an agency.
DECLARATION_SUBMITTED: Final = "declaration.submitted"
DECLARATION_STATUS: Final = "declaration.status_changed"
DECLARATION_WITHDRAWN: Final = "declaration.withdrawn"
DECLARATION_DECISION: Final = "declaration.decision_applied"
DECLARATION_READ: Final = "declaration.read"
# The agency worklist (portal): an officer claims a routed declaration, or gives it back.
WORKLIST_CLAIMED: Final = "agency.worklist_claimed"
WORKLIST_CLAIM_RELEASED: Final = "agency.worklist_claim_released"

# Transport (docs/transport.md): reports, clearances, manifests, reconciliation.
TRANSPORT_REPORT_SUBMITTED: Final = "transport.report_submitted"
TRANSPORT_CLEARANCE: Final = "transport.clearance_recorded"
TRANSPORT_REPORT_READ: Final = "transport.report_read"
MANIFEST_SUBMITTED: Final = "manifest.submitted"
MANIFEST_DISCREPANCY_RESOLVED: Final = "manifest.discrepancy_resolved"

# Joint inspection and port operator events (docs/inspection.md).
INSPECTION_ORDERED: Final = "inspection.ordered"  # opened or joined a case
INSPECTION_WITHDRAWN: Final = "inspection.order_withdrawn"
INSPECTION_CAPACITY: Final = "inspection.capacity_offered"
INSPECTION_BOOKED: Final = "inspection.booked"  # booked, rescheduled, no_show
INSPECTION_POSITIONED: Final = "inspection.positioned"
INSPECTION_RESULT: Final = "inspection.result_recorded"
INSPECTION_RELEASED: Final = "inspection.released"
INSPECTION_ESCALATED: Final = "inspection.escalated"
PORT_EVENT: Final = "port.event_recorded"
INSPECTION_CASE: Final = "inspection_case"  # target type
PORT_CONTAINER: Final = "container"  # target type (ISO 6346 number)
# --- end joint inspection ---

# Subscriptions.
SUBSCRIPTION_CREATED: Final = "subscription.created"
SUBSCRIPTION_DELETED: Final = "subscription.deleted"
SUBSCRIPTION_RESUMED: Final = "subscription.resumed"
SUBSCRIPTION: Final = "subscription"  # target type
# --- end subscriptions ---

# Operator actions (the detail carries what changed, before and after where it helps).
PARTY_CHANGED: Final = "party.changed"
KEY_CREATED: Final = "party.key_created"
KEY_REVOKED: Final = "party.key_revoked"
ROUTING_RULE_CHANGED: Final = "exchange.rule_changed"
CHANNEL_CHANGED: Final = "exchange.channel_changed"
DEAD_LETTER_REDRIVEN: Final = "exchange.redriven"
MAINTENANCE_CHANGED: Final = "ops.maintenance_changed"  # created, deleted
CODE_TABLE_LOADED: Final = "standards.code_table_loaded"
CERTIFICATE_CHANGED: Final = "signing.certificate_changed"  # registered, revoked
MANDATE_CHANGED: Final = "mandate.changed"  # granted, revoked

# The audit log's own use.
AUDIT_READ: Final = "audit.read"
AUDIT_VERIFY: Final = "audit.verify"
AUDIT_EXPORT: Final = "audit.export"
AUDIT_PURGE: Final = "audit.purge"

# Target types.
DECLARATION: Final = "declaration"
PARTY: Final = "party"
API_KEY: Final = "api_key"
CERTIFICATE: Final = "certificate"
MANDATE: Final = "mandate"
USER: Final = "user"
SESSION: Final = "session"
ROUTING_RULE: Final = "routing_rule"
CHANNEL: Final = "channel"
MESSAGE: Final = "message"
TRANSPORT_CALL: Final = "transport_call"
CODE_TABLE: Final = "code_table"
AUDIT_LOG: Final = "audit_log"
AUDIT_CHECKPOINT: Final = "audit_checkpoint"
