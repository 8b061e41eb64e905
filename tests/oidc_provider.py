"""A small OpenID Connect provider for the single sign-on tests: the authorization code flow
with PKCE, RS256 id_tokens signed with a key made at start, a JWKS, and a userinfo endpoint.
It runs on a thread of the test process (http.server), on a port of its own."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class Provider:
    """``claims`` is what the next sign-in asserts about the person (change it between logins)."""

    def __init__(self, *, client_id: str, client_secret: str, claims: dict):
        self.client_id, self.client_secret, self.claims = client_id, client_secret, claims
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.issuer = self.base

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict:
        return {
            "OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.base}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.base}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.base}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.base}/jwks",
        }

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [jwk | {"kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "sub": self.claims["sub"], "aud": self.client_id, "iat": now,
                   "exp": now + 300, "nonce": nonce}  # fmt: skip
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":  # the person is signed in at the provider already
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query
                    self.send_response(302)
                    redirect = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                    self.send_header("Location", redirect)
                    self.end_headers()
                elif url.path == "/jwks":
                    self._json(200, provider.jwks())
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token in provider.tokens:
                        self._json(200, provider.tokens[token])
                    else:
                        self._json(401, {"error": "invalid_token"})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                request = provider.codes.pop(form.get("code", ""), None)
                challenge = base64.urlsafe_b64encode(
                    hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                ).rstrip(b"=")
                if (
                    self.path != "/token"
                    or request is None
                    or form.get("client_secret") != provider.client_secret
                    or form.get("redirect_uri") != request["redirect_uri"]
                    or challenge.decode() != request.get("code_challenge")
                ):
                    self._json(400, {"error": "invalid_grant"})
                    return
                access = secrets.token_urlsafe(16)
                provider.tokens[access] = dict(provider.claims)
                self._json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                                 "id_token": provider.id_token(request["nonce"])})  # fmt: skip

        return Handler
