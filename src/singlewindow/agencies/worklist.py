"""Agency worklist: what was routed to an agency, who of its officers works on what, and the
service-time hints the portal shows (issue 6).

An officer *claims* a routed declaration so that two officers of one agency do not decide it
twice: one claim per declaration and agency (a unique key), claiming one held by a colleague
answers 409 naming them, releasing is for the holder. Every claim and release is audited.
The declarations an agency sees are exactly those of ``GET /api/v1/declarations`` for it
(``declarations.repository.scoped``); the decision itself stays ``apply_decision``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.declarations import repository as declarations_repo
from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.kit import clock
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.db import Base, CreatedMixin, IdMixin
from singlewindow.kit.errors import Conflict, Finding, Forbidden, NotFound
from singlewindow.kit.ids import new_id
from singlewindow.parties.auth import Principal

# Audit vocabulary of this module (``audit.actions`` style: ``context.verb``).
CLAIMED = actions.WORKLIST_CLAIMED
CLAIM_RELEASED = actions.WORKLIST_CLAIM_RELEASED
TARGET = "declaration"

# Service-time hints: a routed declaration the agency has not finished with is "due soon"
# after WARN_AFTER and "overdue" after OVERDUE_AFTER since it was routed.
WARN_AFTER = timedelta(hours=4)
OVERDUE_AFTER = timedelta(hours=24)
# The agency's own statuses that mean it has finished (nothing more to decide).
DONE = frozenset({"released", "rejected"})
# Aggregate statuses after which no agency decides any more.
CLOSED = frozenset({"rejected", "withdrawn", "cleared", "released"})

ClaimFilter = Literal["", "mine", "unclaimed", "others"]
Sort = Literal["oldest", "newest"]


class WorklistClaim(IdMixin, CreatedMixin, Base):
    """One officer holds one routed declaration for their agency."""

    __tablename__ = "agency_worklist_claim"
    __table_args__ = (UniqueConstraint("declaration_id", "agency_code"),)

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declaration.id"))
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    # The holder's name when they claimed (the 409 names them without another lookup).
    user_name: Mapped[str] = mapped_column(String(200))


@dataclass(frozen=True, slots=True)
class Officer:
    """Who acts: the principal (agency, user id) and a name to show colleagues."""

    principal: Principal
    name: str

    @property
    def user_id(self) -> str:
        return self.principal.user_id or self.principal.party_code

    @property
    def agency(self) -> str:
        return self.principal.party_code


@dataclass(frozen=True, slots=True)
class Filters:
    status: str = ""  # the agency's own status
    ie_flag: str = ""  # I | E
    since: date | None = None  # submitted on or after (China date)
    until: date | None = None  # … on or before
    claim: ClaimFilter = ""
    sort: Sort = "oldest"
    q: str = ""  # unified number, entry number, B/L or client reference


@dataclass(frozen=True, slots=True)
class Row:
    declaration: Declaration
    agency_status: str
    agency_updated_at: datetime
    claim: WorklistClaim | None
    age: timedelta
    urgency: str  # "" | "warn" | "overdue" | "done"

    @property
    def id(self) -> str:
        return self.declaration.id


def _china_start(day: date) -> datetime:
    return datetime.combine(day, time(), CHINA_TZ)


def urgency(agency_status: str, aggregate: str, age: timedelta) -> str:
    """How pressing a routed declaration is for the agency (a pure rule)."""
    if agency_status in DONE or aggregate in CLOSED:
        return "done"
    if age >= OVERDUE_AFTER:
        return "overdue"
    if age >= WARN_AFTER:
        return "warn"
    return ""


def worklist(
    session: Session,
    officer: Officer,
    filters: Filters,
    *,
    after_id: str | None = None,
    limit: int = 25,
) -> list[Row]:
    """The agency's routed declarations (``limit + 1`` rows: the extra one says "more")."""
    agency = officer.agency
    query = (
        declarations_repo.scoped(officer.principal)
        .add_columns(AgencyStatus.status, AgencyStatus.updated_at, WorklistClaim)
        .join(
            AgencyStatus,
            (AgencyStatus.declaration_id == Declaration.id) & (AgencyStatus.agency_code == agency),
        )
        .outerjoin(
            WorklistClaim,
            (WorklistClaim.declaration_id == Declaration.id)
            & (WorklistClaim.agency_code == agency),
        )
    )
    if filters.status:
        query = query.where(AgencyStatus.status == filters.status)
    if filters.ie_flag:
        query = query.where(Declaration.ie_flag == filters.ie_flag)
    if filters.since is not None:
        query = query.where(Declaration.submitted_at >= _china_start(filters.since))
    if filters.until is not None:
        query = query.where(
            Declaration.submitted_at < _china_start(filters.until + timedelta(days=1))
        )
    if filters.claim == "mine":
        query = query.where(WorklistClaim.user_id == officer.user_id)
    elif filters.claim == "unclaimed":
        query = query.where(WorklistClaim.id.is_(None))
    elif filters.claim == "others":
        query = query.where(WorklistClaim.user_id != officer.user_id)
    q = filters.q.strip()
    if q:
        query = query.where(
            (Declaration.unified_no == q)
            | (Declaration.entry_no == q)
            | (Declaration.bill_no == q)
            | (Declaration.client_ref == q)
        )
    newest = filters.sort == "newest"
    if after_id:
        query = query.where(Declaration.id < after_id if newest else Declaration.id > after_id)
    query = query.order_by(Declaration.id.desc() if newest else Declaration.id).limit(limit)
    now = clock.now()
    out = []
    for found in session.execute(query):
        declaration: Declaration = found[0]
        status: str = found[1]
        claim: WorklistClaim | None = found[3]
        age = now - (declaration.submitted_at or declaration.created_at)
        out.append(
            Row(declaration, status, found[2], claim, age, urgency(status, declaration.status, age))
        )
    return out


def claim_of(session: Session, declaration_id: str, agency_code: str) -> WorklistClaim | None:
    return session.scalar(
        select(WorklistClaim).where(
            WorklistClaim.declaration_id == declaration_id,
            WorklistClaim.agency_code == agency_code,
        )
    )


def _routed(session: Session, officer: Officer, declaration_id: str) -> Declaration:
    """The declaration if it was routed to the officer's agency (else 404: ids don't leak)."""
    declaration = session.get(Declaration, declaration_id)
    if declaration is None or not declarations_repo.may_see(
        session, officer.principal, declaration
    ):
        raise NotFound(
            f"Declaration {declaration_id} not found",
            f"未找到报关单 {declaration_id}",
            code="declaration_not_found",
        )
    return declaration


def _held_by_other(claim: WorklistClaim) -> Conflict:
    return Conflict(
        f"{claim.user_name} is already working on this declaration",
        f"{claim.user_name} 已认领该报关单",
        code="claimed_by_other",
        findings=[
            Finding(
                "/claim",
                "claimed_by_other",
                f"claimed by {claim.user_name}",
                f"已由 {claim.user_name} 认领",
            )
        ],
    )


def claim(session: Session, officer: Officer, declaration_id: str) -> WorklistClaim:
    """The officer takes the declaration (a repeat by the holder changes nothing)."""
    declaration = _routed(session, officer, declaration_id)
    existing = claim_of(session, declaration.id, officer.agency)
    if existing is not None:
        if existing.user_id != officer.user_id:
            raise _held_by_other(existing)
        return existing
    row = WorklistClaim(
        id=new_id(),
        declaration_id=declaration.id,
        agency_code=officer.agency,
        user_id=officer.user_id,
        user_name=officer.name,
    )
    try:
        with session.begin_nested():  # a colleague claiming at the same instant loses here
            session.add(row)
            session.flush()
    except IntegrityError:
        winner = claim_of(session, declaration.id, officer.agency)
        if winner is None:
            raise
        if winner.user_id != officer.user_id:
            raise _held_by_other(winner) from None
        return winner
    audit.record_principal(
        session,
        officer.principal,
        action=CLAIMED,
        target_type=TARGET,
        target_id=declaration.id,
        detail={"agency": officer.agency, "unified_no": declaration.unified_no},
    )
    return row


def release_claim(session: Session, officer: Officer, declaration_id: str) -> None:
    """The holder gives the declaration back to the agency's worklist (none held: no-op)."""
    declaration = _routed(session, officer, declaration_id)
    existing = claim_of(session, declaration.id, officer.agency)
    if existing is None:
        return
    if existing.user_id != officer.user_id:
        raise Forbidden(
            f"Only {existing.user_name}, who claimed it, may release the claim",
            f"只有认领人 {existing.user_name} 可以释放认领",
            code="not_your_claim",
        )
    session.delete(existing)
    session.flush()
    audit.record_principal(
        session,
        officer.principal,
        action=CLAIM_RELEASED,
        target_type=TARGET,
        target_id=declaration.id,
        detail={"agency": officer.agency},
    )


def check_may_decide(session: Session, officer: Officer, declaration_id: str) -> None:
    """A declaration claimed by a colleague is theirs to decide (409 naming them)."""
    existing = claim_of(session, declaration_id, officer.agency)
    if existing is not None and existing.user_id != officer.user_id:
        raise _held_by_other(existing)


@dataclass(frozen=True, slots=True)
class Today:
    routed: int
    decided: int
    open: int
    overdue: int
    mine: int


def today_counts(session: Session, officer: Officer) -> Today:
    """Today's figures (China business day) for the agency, and its open and overdue work."""
    agency = officer.agency
    start = _china_start(clock.today_china())
    now = clock.now()
    routed = session.scalar(
        select(func.count())
        .select_from(AgencyStatus)
        .join(Declaration, Declaration.id == AgencyStatus.declaration_id)
        .where(AgencyStatus.agency_code == agency, Declaration.submitted_at >= start)
    )
    decided = session.scalar(
        select(func.count(func.distinct(TimelineEvent.declaration_id))).where(
            TimelineEvent.actor == agency,
            TimelineEvent.at >= start,
            TimelineEvent.event.in_(
                [
                    "agency_accepted",
                    "agency_rejected",
                    "agency_released",
                    "agency_inspection_required",
                    "agency_licence_verified",
                    "agency_licence_refused",
                ]
            ),
        )
    )
    open_filter = (
        (AgencyStatus.agency_code == agency)
        & AgencyStatus.status.not_in(list(DONE))
        & Declaration.status.not_in(list(CLOSED))
    )
    open_base = (
        select(func.count())
        .select_from(AgencyStatus)
        .join(Declaration, Declaration.id == AgencyStatus.declaration_id)
        .where(open_filter)
    )
    open_count = session.scalar(open_base)
    overdue = session.scalar(open_base.where(Declaration.submitted_at < now - OVERDUE_AFTER))
    mine = session.scalar(
        select(func.count())
        .select_from(WorklistClaim)
        .join(AgencyStatus, AgencyStatus.declaration_id == WorklistClaim.declaration_id)
        .join(Declaration, Declaration.id == WorklistClaim.declaration_id)
        .where(WorklistClaim.user_id == officer.user_id, WorklistClaim.agency_code == agency)
        .where(open_filter)
    )
    return Today(
        routed=int(routed or 0),
        decided=int(decided or 0),
        open=int(open_count or 0),
        overdue=int(overdue or 0),
        mine=int(mine or 0),
    )
