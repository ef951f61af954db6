"""A city platform in its own process, signing a user in through the hub (code + PKCE).

It has no access to the hub's database: it knows the hub's URL, its own client id and secret,
and nothing else. It serves ``/login`` (starts a sign-in) and ``/callback`` (its registered
redirect URI) on 127.0.0.1, and plays the user's browser with httpx: sign in at the hub, open
the city's ``/login``, follow the redirects through ``/oauth/authorize`` back to ``/callback``.
The callback exchanges the code with the secret and the PKCE verifier, verifies the ID and
access tokens with ``TokenVerifier`` against the hub's JWKS, and the verified identity is
printed as JSON on stdout.

    python oidc_city_platform.py --hub URL --client-id ID --client-secret S --port P \
        --audience AUD --username U --password PW
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from singlewindow.identity.oidc.rules import s256
from singlewindow.identity.oidc.verify import TokenVerifier


class CityPlatform:
    """The city platform's back end: its side of the authorization code flow."""

    def __init__(self, hub: str, client_id: str, secret: str, port: int, audience: str) -> None:
        self.client_id = client_id
        self.secret = secret
        self.redirect_uri = f"http://127.0.0.1:{port}/callback"
        with httpx.Client(trust_env=False, timeout=10) as http:
            self.meta = (
                http.get(f"{hub}/.well-known/openid-configuration").raise_for_status().json()
            )
        self.verifier = TokenVerifier(
            self.meta["issuer"], jwks_url=self.meta["jwks_uri"], audience=audience
        )
        self.pending: dict[str, tuple[str, str]] = {}  # state → (PKCE verifier, nonce)
        self.result: dict[str, Any] | None = None

    def start_login(self) -> str:
        state, nonce, verifier = (secrets.token_urlsafe(16) for _ in range(3))
        verifier += secrets.token_urlsafe(32)  # 43..128 characters
        self.pending[state] = (verifier, nonce)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }
        return f"{self.meta['authorization_endpoint']}?{urlencode(query)}"

    def callback(self, query: dict[str, str]) -> dict[str, Any]:
        if "error" in query:
            raise RuntimeError(f"hub refused: {query}")
        verifier, nonce = self.pending.pop(query["state"])  # unknown state: KeyError
        if query.get("iss") != self.meta["issuer"]:
            raise RuntimeError("authorization response from another issuer")
        with httpx.Client(trust_env=False, timeout=10) as http:
            response = http.post(
                self.meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": query["code"],
                    "redirect_uri": self.redirect_uri,
                    "code_verifier": verifier,
                },
                auth=(self.client_id, self.secret),
            )
        response.raise_for_status()
        tokens = response.json()
        identity = self.verifier.verify_id_token(
            tokens["id_token"], client_id=self.client_id, nonce=nonce
        )
        access = self.verifier.verify_access_token(tokens["access_token"])
        self.result = {
            "sub": identity["sub"],
            "preferred_username": identity.get("preferred_username"),
            "org": identity.get("org"),
            "amr": identity.get("amr"),
            "access_sub": access["sub"],
            "access_aud": access["aud"],
            "access_roles": access.get("roles"),
            "access_token": tokens["access_token"],
            "jwks_fetches": self.verifier.fetches,
        }
        return self.result


def serve(platform: CityPlatform, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/login":
                self.send_response(302)
                self.send_header("Location", platform.start_login())
                self.end_headers()
                return
            if url.path == "/callback":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                try:
                    body, status = platform.callback(query), 200
                except Exception as exc:
                    body, status = {"error": repr(exc)}, 400
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            self.send_error(404)

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"city: {format % args}\n")

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("hub", "client-id", "client-secret", "audience", "username", "password"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    platform = CityPlatform(args.hub, args.client_id, args.client_secret, args.port, args.audience)
    server = serve(platform, args.port)
    try:
        with httpx.Client(trust_env=False, timeout=20, follow_redirects=True) as browser:
            signed_in = browser.post(
                f"{args.hub}/api/v1/auth/login",
                json={"username": args.username, "password": args.password},
            )
            signed_in.raise_for_status()
            landed = browser.get(f"http://127.0.0.1:{args.port}/login")
            hops = [str(r.url) for r in landed.history]
            sys.stderr.write(f"city: browser went through {hops} to {landed.url}\n")
            landed.raise_for_status()
            if urlsplit(str(landed.url)).path != "/callback" or platform.result is None:
                raise RuntimeError(f"sign-in did not reach the callback: {landed.text}")
    finally:
        server.shutdown()
    sys.stdout.write(json.dumps(platform.result | {"hops": hops}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
