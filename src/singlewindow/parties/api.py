"""Party and API-key routes (operators manage; everyone can see themselves)."""

from __future__ import annotations

from fastapi import APIRouter, status

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.kit.http import DbSession
from singlewindow.parties import service
from singlewindow.parties.access import ProvinceOperator, SelfOnly
from singlewindow.parties.models import ApiKey, Party
from singlewindow.parties.schemas import ApiKeyIn, ApiKeyOut, PartyIn, PartyOut

router = APIRouter(prefix="/api/v1/parties", tags=["parties"])


def party_out(party: Party) -> PartyOut:
    return PartyOut.model_validate(party, from_attributes=True)


def key_out(key: ApiKey, party_code: str, token: str | None = None) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        party_code=party_code,
        prefix=key.prefix,
        name=key.name,
        created_at=key.created_at,
        expires_at=key.expires_at,
        scopes=list(key.scopes or []),
        token=token,
    )


@router.get("/me", response_model=PartyOut)
def me(session: DbSession, principal: SelfOnly) -> PartyOut:
    return party_out(service.get_party(session, principal.party_code))


@router.post("", response_model=PartyOut, status_code=status.HTTP_201_CREATED)
def create_party(session: DbSession, op: ProvinceOperator, body: PartyIn) -> PartyOut:
    party = service.create_party(session, body)
    audit.record_principal(
        session,
        op,
        action=actions.PARTY_CHANGED,
        target_type=actions.PARTY,
        target_id=party.code,
        detail={"change": "create", "kind": party.kind},
    )
    return party_out(party)


@router.get("/{code}", response_model=PartyOut)
def get_party(session: DbSession, _op: ProvinceOperator, code: str) -> PartyOut:
    return party_out(service.get_party(session, code))


@router.post("/{code}/keys", response_model=ApiKeyOut, status_code=status.HTTP_201_CREATED)
def create_key(session: DbSession, op: ProvinceOperator, code: str, body: ApiKeyIn) -> ApiKeyOut:
    party = service.get_party(session, code)
    key, token = service.create_api_key(
        session, party, name=body.name, expires_at=body.expires_at, scopes=body.scopes
    )
    audit.record_principal(
        session,
        op,
        action=actions.KEY_CREATED,
        target_type=actions.API_KEY,
        target_id=key.prefix,
        detail={"party": party.code, "name": body.name},
    )
    return key_out(key, party.code, token)
