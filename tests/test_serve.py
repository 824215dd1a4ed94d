"""`lethe serve` as a real gunicorn server in a subprocess, on a fresh SQLite installation.

Each server binds a free port on 127.0.0.1, is polled until it answers (at most
20 s), and is always stopped (its whole process group) when the test is done.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django_otp.oath import totp

ADMIN_EMAIL = "admin@lethe.example"
ADMIN_PASSWORD = "serve-test-" + secrets.token_hex(8)
START_TIMEOUT = 20
TIMEOUT = 60


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Return os.environ without LETHE_* and DJANGO_SETTINGS_MODULE, plus the data dir."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LETHE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["LETHE_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], *, timeout: float = TIMEOUT, **kw
) -> subprocess.CompletedProcess:
    """Run `python -m lethe ARGS` to completion, capturing text output."""
    return subprocess.run(
        [sys.executable, "-m", "lethe", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
        **kw,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let a redirect reach the caller (as an HTTPError) instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class Response:
    status: int
    headers: object  # http.client.HTTPMessage
    body: str

    def json(self):
        return json.loads(self.body)


def fetch(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None) -> Response:
    """GET (or POST `data`) without following redirects; any HTTP status is returned."""
    try:
        with opener.open(url, data=data, timeout=10) as response:
            return Response(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read().decode())


def opener_for(context: ssl.SSLContext | None = None, jar=None) -> urllib.request.OpenerDirector:
    handlers = [NoRedirect(), urllib.request.HTTPCookieProcessor(jar)]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    data_dir: Path
    log: Path
    context: ssl.SSLContext | None = None

    def get(self, path: str) -> Response:
        return fetch(opener_for(self.context), self.url + path)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn and its workers: SIGTERM to the group, SIGKILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # any worker left behind
    process.wait(timeout=10)


def start(data_dir: Path, *args: str, log_dir: Path, https: bool = False) -> Server:
    """Start `lethe serve` and wait until it answers /healthz (with any status)."""
    port = free_port()
    log = log_dir / f"serve-{port}.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "lethe", "serve", "--port", str(port), "--workers", "1", *args],
            env=clean_env(data_dir),
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(process, f"{'https' if https else 'http'}://127.0.0.1:{port}", data_dir, log)
    try:
        if https:
            # The certificate is made by `serve --self-signed` itself; wait for it.
            cert = data_dir / "tls" / "self-signed.crt"
            deadline = time.monotonic() + START_TIMEOUT
            while not cert.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            server.context = ssl.create_default_context(cafile=str(cert))
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"lethe serve exited ({process.returncode}):\n{server.output()}"
                )
            try:
                server.get("/healthz")
                return server
            except (OSError, ssl.SSLError):  # URLError is an OSError
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"lethe serve did not answer in {START_TIMEOUT} s:\n{server.output()}"
                    ) from None
                time.sleep(0.2)
    except BaseException:
        stop(process)
        raise


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    """One installation made by `lethe init` with a known admin password."""
    data_dir = tmp_path_factory.mktemp("serve") / "data"
    result = run(["init"], clean_env(data_dir, LETHE_ADMIN_PASSWORD=ADMIN_PASSWORD))
    assert result.returncode == 0, result.stderr
    assert f"created admin {ADMIN_EMAIL}" in result.stdout
    return data_dir


@pytest.fixture(scope="module")
def http_server(installation, tmp_path_factory):
    """`lethe serve` over plain HTTP in development, shared by the tests that only read."""
    server = start(installation, log_dir=tmp_path_factory.mktemp("serve-log"))
    yield server
    stop(server.process)


# --- plain HTTP -------------------------------------------------------------------


def test_healthz_answers_200_with_status_ok(http_server):
    response = http_server.get("/healthz")
    assert response.status == 200, response.body
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/healthz", "/login/", "/"])
def test_responses_carry_the_security_headers_and_no_hsts_over_plain_http(http_server, path):
    headers = http_server.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert csp is not None
    directives = [d.strip() for d in csp.split(";")]
    assert "default-src 'self'" in directives
    assert "frame-ancestors 'none'" in directives
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"] is None


def test_the_home_page_redirects_to_the_log_in_page(http_server):
    response = http_server.get("/")
    assert response.status == 302
    assert response.headers["Location"] == "/login/?next=/"


def test_the_log_in_page_answers_200_with_a_csrf_token_input(http_server):
    response = http_server.get("/login/")
    assert response.status == 200
    assert re.search(r'<input type="hidden" name="csrfmiddlewaretoken" value="\w+"', response.body)
    assert 'name="username"' in response.body
    assert 'name="password"' in response.body


# --- log-in -----------------------------------------------------------------------


def test_logging_in_as_the_admin_shows_the_home_page_with_a_strict_session_cookie(http_server):
    jar = http.cookiejar.CookieJar()
    opener = opener_for(jar=jar)
    url = http_server.url

    form = fetch(opener, url + "/login/?next=/")
    assert form.status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', form.body)
    assert token, form.body
    assert "csrftoken" in {c.name for c in jar}

    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "next": "/",
        }
    ).encode()
    login = fetch(opener, url + "/login/", data=data)
    assert login.status == 302, login.body
    assert login.headers["Location"] == "/"

    session = [c for c in login.headers.get_all("Set-Cookie") if c.startswith("sessionid=")]
    assert len(session) == 1, login.headers.get_all("Set-Cookie")
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in session[0].split(";")[1:]}
    assert "httponly" in attributes
    assert attributes.get("samesite") == "SameSite=Lax"
    assert "secure" not in attributes  # plain HTTP in development

    # An admin must set up a TOTP second factor before anything else.
    held = fetch(opener, url + "/")
    assert held.status == 302
    assert held.headers["Location"] == "/account/two-factor/?next=%2F"
    enrol = fetch(opener, url + "/account/two-factor/")
    secret = re.search(r'<code class="totp-secret">(\w+)</code>', enrol.body).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', enrol.body).group(1)
    code = f"{totp(base64.b32decode(secret)):06d}"
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": code}).encode()
    codes = fetch(opener, url + "/account/two-factor/", data=data)
    assert "Recovery codes" in codes.body, codes.body

    home = fetch(opener, url + "/")
    assert home.status == 200, home.body
    assert f"Signed in as {ADMIN_EMAIL}" in home.body
    assert re.search(r"with the roles? [^.]*\badmin\b", home.body)


def test_logging_in_with_a_wrong_password_stays_on_the_log_in_page(http_server):
    jar = http.cookiejar.CookieJar()
    opener = opener_for(jar=jar)
    form = fetch(opener, http_server.url + "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', form.body)
    assert token, form.body
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD + "x",
        }
    ).encode()
    login = fetch(opener, http_server.url + "/login/", data=data)
    assert login.status == 200
    assert "sessionid" not in {c.name for c in jar}
    assert fetch(opener, http_server.url + "/").status == 302


# --- TLS --------------------------------------------------------------------------


def test_serve_self_signed_answers_over_https_with_hsts(installation, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(installation, data_dir)
    server = start(data_dir, "--self-signed", log_dir=tmp_path, https=True)
    try:
        assert server.url.startswith("https://")
        response = server.get("/healthz")
        assert response.status == 200, response.body
        assert response.json() == {"status": "ok"}
        hsts = response.headers["Strict-Transport-Security"]
        assert hsts is not None
        assert "max-age=31536000" in [d.strip() for d in hsts.split(";")]
        # Plain HTTP on the TLS port gets no page.
        with pytest.raises((OSError, http.client.HTTPException)):
            fetch(opener_for(), server.url.replace("https://", "http://") + "/healthz")
    finally:
        stop(server.process)


# --- health -----------------------------------------------------------------------


def test_healthz_answers_503_naming_keys_when_the_master_key_file_goes_missing(
    installation, tmp_path
):
    data_dir = tmp_path / "data"
    shutil.copytree(installation, data_dir)
    server = start(data_dir, log_dir=tmp_path)
    try:
        assert server.get("/healthz").status == 200
        master = data_dir / "master.key"
        saved = tmp_path / "master.key.saved"
        master.rename(saved)

        response = server.get("/healthz")
        assert response.status == 503, response.body
        body = response.json()
        assert body["status"] != "ok"
        assert "keys" in body["problems"]
        assert "master key file" in body["problems"]["keys"]
        assert server.process.poll() is None  # still serving

        saved.rename(master)
        assert server.get("/healthz").status == 200
    finally:
        stop(server.process)
