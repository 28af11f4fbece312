#!/usr/bin/env python3
"""An OAuth2 identity provider and an SMTP server accepting its tokens, for tests.

Usage: oauth_server.py DIR CLIENT_ID CLIENT_SECRET LIFETIME_S
Prints "HTTP_PORT SMTP_PORT" (127.0.0.1), then serves:
  POST /token       RFC 6749 client_credentials: a new opaque token living
                    LIFETIME_S seconds (real time); invalid_client with
                    Microsoft's AADSTS7000222 text when DIR/secret_expired exists.
                    RFC 8628 device_code polls, and refresh_token (rotated at
                    each use; the old one then fails with invalid_grant).
  GET /authorize    the sign-in page a browser opens (authorization code, PKCE S256):
                    redirects at once to redirect_uri with a code and the state,
                    or error=access_denied when DIR/deny exists.
                    RFC 7523 jwt-bearer assertions, RS256-checked with
                    `openssl dgst` against DIR/jwt_public.pem, iss = the
                    contents of DIR/jwt_issuer; unauthorized_client when
                    DIR/deny_delegation exists. Logs the assertion's "sub".
  POST /devicecode  RFC 8628 §3.2: a device code, user code WDJB-MJHT, interval 5 s
                    (or the number of seconds in DIR/interval).
  POST /introspect  RFC 7662 for dovecot's oauth2 passdb: {"active", "username"}.
  SMTP              AUTH XOAUTH2 (SASL initial response or 334 challenge);
                    a bad token gets the 334 base64 JSON error challenge, then
                    535, as Gmail and Exchange do. Messages go to DIR/Maildir.
Control files in DIR, checked at each request:
  secret_expired    the token endpoint refuses the client;
  expire_tokens     every token issued before the next request is invalid (then the
                    file is removed);
  refuse_smtp       SMTP refuses every token;
  approve / deny    the person approved / refused pending device logins;
  slow_down         the first poll of each device code gets slow_down;
  revoke_refresh    every refresh token is invalid (consent revoked).
Logs: DIR/token_requests.jsonl ({"grant_type", "client_id", "scope"}; never
the secret), DIR/smtp_auth.jsonl ({"user", "ok"}).
Standard library and Debian's python3-aiosmtpd only.
"""
import asyncio
import base64
import hashlib
import json
import os
import secrets
import subprocess
import tempfile
import sys
import threading
import time
import mailbox
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

DIR, CLIENT_ID, CLIENT_SECRET, LIFETIME = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lock = threading.Lock()
tokens = {}  # token -> expiry (time.time())
refresh_tokens = set()
device_codes = {}  # device_code -> {"slowed": bool}
auth_codes = {}  # code -> {"challenge", "redirect_uri"}


def log(name, record):
    with lock, open(os.path.join(DIR, name), "a") as f:
        f.write(json.dumps(record) + "\n")


def flag(name):
    return os.path.exists(os.path.join(DIR, name))


def interval():
    try:
        with open(os.path.join(DIR, "interval")) as f:
            return int(f.read())
    except FileNotFoundError:
        return 5


def apply_expiry():
    """expire_tokens takes effect at the first request after it was set."""
    if flag("expire_tokens"):
        with lock:
            tokens.clear()
        try:
            os.remove(os.path.join(DIR, "expire_tokens"))
        except FileNotFoundError:
            pass


def valid(token):
    apply_expiry()
    with lock:
        expiry = tokens.get(token)
    return expiry is not None and expiry > time.time()


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_assertion(assertion, audience):
    """The claims of a valid RS256 assertion for this server, else None."""
    parts = assertion.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims, signature = json.loads(b64url(parts[0])), json.loads(b64url(parts[1])), b64url(parts[2])
        with open(os.path.join(DIR, "jwt_issuer")) as f:
            issuer = f.read().strip()
    except (ValueError, OSError):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, sig = os.path.join(tmp, "data"), os.path.join(tmp, "sig")
        with open(data, "w") as f:
            f.write(parts[0] + "." + parts[1])
        with open(sig, "wb") as f:
            f.write(signature)
        ok = subprocess.run(["openssl", "dgst", "-sha256", "-verify", os.path.join(DIR, "jwt_public.pem"),
                             "-signature", sig, data], capture_output=True).returncode == 0
    now = time.time()
    if (not ok or header.get("alg") != "RS256" or claims.get("iss") != issuer
            or claims.get("aud") != audience or not claims.get("sub")
            or not claims.get("iat", 0) - 60 <= now < claims.get("exp", 0)):
        return None
    return claims


class Http(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != "/authorize" or q.get("client_id") != CLIENT_ID:
            return self.answer(404, {"error": "not_found"})
        log("token_requests.jsonl", {"grant_type": "authorize", "client_id": q.get("client_id"),
                                     "scope": q.get("scope"),
                                     "code_challenge_method": q.get("code_challenge_method")})
        if flag("deny"):
            target = q["redirect_uri"] + "?" + urlencode({"error": "access_denied", "state": q.get("state", "")})
        else:
            code = secrets.token_urlsafe(16)
            with lock:
                auth_codes[code] = {"challenge": q.get("code_challenge"), "redirect_uri": q.get("redirect_uri")}
            target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path == "/introspect":
            ok = valid(form.get("token", ""))
            return self.answer(200, {"active": ok, "username": "alice"} if ok else {"active": False})
        if self.path == "/devicecode":
            code = secrets.token_urlsafe(16)
            with lock:
                device_codes[code] = {"slowed": False}
            log("token_requests.jsonl", {"grant_type": "device_authorization",
                                         "client_id": form.get("client_id"),
                                         "scope": form.get("scope")})
            return self.answer(200, {"device_code": code, "user_code": "WDJB-MJHT",
                                     "verification_uri": "https://login.example/device",
                                     "expires_in": 900, "interval": interval()})
        if self.path != "/token":
            return self.answer(404, {"error": "not_found"})
        log("token_requests.jsonl", {"grant_type": form.get("grant_type"),
                                     "client_id": form.get("client_id"),
                                     "scope": form.get("scope")})
        grant = form.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            pass  # the assertion's signature identifies the client
        elif grant != "client_credentials":
            if form.get("client_id") != CLIENT_ID:
                return self.answer(400, {"error": "invalid_client"})
        else:
            if (form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET
                    or flag("secret_expired")):
                return self.answer(401, {"error": "invalid_client",
                                         "error_description": "AADSTS7000222: The provided client "
                                                              "secret keys for app are expired."})
            return self.issue(False)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            code = device_codes.get(form.get("device_code"))
            if code is None:
                return self.answer(400, {"error": "invalid_grant"})
            if flag("deny"):
                return self.answer(400, {"error": "access_denied"})
            if flag("slow_down") and not code["slowed"]:
                code["slowed"] = True
                return self.answer(400, {"error": "slow_down"})
            if not flag("approve"):
                return self.answer(400, {"error": "authorization_pending"})
            del device_codes[form["device_code"]]
            return self.issue(True)
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            claims = check_assertion(form.get("assertion", ""), "http://127.0.0.1:%d/token" % self.server.server_address[1])
            if claims is None:
                return self.answer(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            log("token_requests.jsonl", {"grant_type": "jwt_claims", "sub": claims.get("sub"),
                                         "scope": claims.get("scope")})
            if flag("deny_delegation"):
                return self.answer(401, {"error": "unauthorized_client",
                                         "error_description": "Client is unauthorized to retrieve access "
                                                              "tokens using this method."})
            return self.issue(False)
        if grant == "authorization_code":
            with lock:
                code = auth_codes.pop(form.get("code"), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if code is None or code["redirect_uri"] != form.get("redirect_uri") or code["challenge"] != challenge:
                return self.answer(400, {"error": "invalid_grant"})
            return self.issue(True)
        if grant == "refresh_token":
            old = form.get("refresh_token")
            with lock:
                known = old in refresh_tokens
                refresh_tokens.discard(old)
            if not known or flag("revoke_refresh"):
                return self.answer(400, {"error": "invalid_grant",
                                         "error_description": "AADSTS50173: The provided grant has "
                                                              "expired due to it being revoked."})
            return self.issue(True)
        return self.answer(400, {"error": "unsupported_grant_type"})

    def issue(self, with_refresh):
        apply_expiry()  # tokens issued after the flag was set stay good
        token = secrets.token_urlsafe(24)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": LIFETIME}
        with lock:
            tokens[token] = time.time() + LIFETIME
            if with_refresh:
                body["refresh_token"] = "rt-" + secrets.token_urlsafe(24)
                refresh_tokens.add(body["refresh_token"])
        self.answer(200, body)


class Sink:
    def __init__(self):
        self.box = mailbox.Maildir(os.path.join(DIR, "Maildir"), create=True)

    async def handle_DATA(self, server, session, envelope):
        self.box.add(envelope.original_content)
        return "250 OK"

    async def auth_XOAUTH2(self, server, args):
        if len(args) == 2:
            try:
                raw = base64.b64decode(args[1], validate=True)
            except ValueError:
                return AuthResult(success=False)
        else:
            raw = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(raw, bytes):
                return AuthResult(success=False, handled=True)
        fields = raw.decode("utf-8", "replace").split("\x01")
        parts = dict(p.split("=", 1) for p in fields if "=" in p)
        user, bearer = parts.get("user", ""), parts.get("auth", "")
        token = bearer[7:] if bearer.startswith("Bearer ") else ""
        ok = valid(token) and not flag("refuse_smtp")
        log("smtp_auth.jsonl", {"user": user, "ok": ok})
        if ok:
            return AuthResult(success=True, auth_data=user)
        error = base64.b64encode(json.dumps(
            {"status": "401", "schemes": "bearer", "scope": "https://mail.example/"}).encode()).decode()
        await server.challenge_auth(error, encode_to_b64=False)
        return AuthResult(success=False, message="535 5.7.3 Authentication unsuccessful")


def main():
    http = ThreadingHTTPServer(("127.0.0.1", 0), Http)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port, auth_require_tls=False)
    smtp.start()
    print(http.server_address[1], smtp.port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
