"""The hub as an OpenID Connect provider: clients, signing keys, codes, tokens, JWKS.

``verify`` (TokenVerifier) is the part any node or agency system uses: it needs no database.
``tokens.principal_for_access_token`` is how a node's API accepts the hub's access tokens.
Endpoints are in ``api`` (protocol logic in ``authorize`` and ``grants``), key rotation in
``keys``, client registration in ``clients``; see docs/oidc.md.
"""
