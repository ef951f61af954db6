"""The hub as an OpenID Connect provider: clients, signing keys, codes, tokens, JWKS."""
