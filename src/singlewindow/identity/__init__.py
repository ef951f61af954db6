"""Users, roles, login (argon2id + TOTP), portal sessions and the hub's OpenID Connect provider."""
