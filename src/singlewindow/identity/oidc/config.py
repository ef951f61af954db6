"""Where the provider's settings come from, with defaults for settings not declared yet.

Proposed settings (read with ``getattr`` until ``kit/settings.py`` declares them):

* ``SW_OIDC_AUDIENCE``: this node's resource identifier, the ``aud`` an access token must
  name to be accepted here. Default ``urn:singlewindow:node:<SW_NODE_CODE>``: it names the node,
  not a host, so it survives a move or a disaster-recovery failover to another address.
* ``SW_OIDC_JWKS_URL``: where a city node fetches the hub's keys. Default
  ``<SW_ISSUER_URL>/oauth/jwks``.
* ``SW_OIDC_LEEWAY_SECONDS``: clock skew tolerated on ``exp``/``nbf``/``iat`` (default 30).
"""

from __future__ import annotations

from singlewindow.kit.settings import Settings

AUDIENCE_PREFIX = "urn:singlewindow:node:"
DEFAULT_LEEWAY_SECONDS = 30
CODE_SECONDS = 60  # an authorization code is exchanged at once by the client's back end


def issuer(settings: Settings) -> str:
    """The hub's public base URL; ``iss`` of every token and the prefix of every endpoint."""
    return (settings.issuer_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def node_audience(settings: Settings) -> str:
    configured = getattr(settings, "oidc_audience", None)
    return str(configured) if configured else f"{AUDIENCE_PREFIX}{settings.node_code}"


def hub_jwks_url(settings: Settings) -> str:
    configured = getattr(settings, "oidc_jwks_url", None)
    return str(configured) if configured else f"{issuer(settings)}/oauth/jwks"


def leeway_seconds(settings: Settings) -> int:
    return int(getattr(settings, "oidc_leeway_seconds", None) or DEFAULT_LEEWAY_SECONDS)


def is_provider(settings: Settings) -> bool:
    """The province hub is the one OpenID provider; city nodes only verify its tokens."""
    return settings.node_role == "province"
