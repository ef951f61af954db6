"""Response shapes of the discovery and JWKS endpoints (for OpenAPI; the format is the RFCs')."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PublicKey(BaseModel):
    kty: str = Field(examples=["EC"])
    crv: str = Field(examples=["P-256"])
    x: str
    y: str
    kid: str = Field(description="RFC 7638 thumbprint")
    use: str = Field(examples=["sig"])
    alg: str = Field(examples=["ES256"])


class Jwks(BaseModel):
    keys: list[PublicKey] = Field(description="next, active and not yet expired retired keys")


class Discovery(BaseModel):
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    revocation_endpoint: str
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
    code_challenge_methods_supported: list[str]
    scopes_supported: list[str]
    claims_supported: list[str]
    authorization_response_iss_parameter_supported: bool
    ui_locales_supported: list[str]
