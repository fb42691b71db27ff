"""Signing in to the server (salamat.api.auth, web/pages/login): local mode unchanged; with
users, every route asks for credentials, roles, CSRF, lockout, revocation and disabling at once."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salamat.api.app import create_app
from salamat.services import accounts as acc
from salamat.services.accounts import Lockout
from salamat.store.connection import Store

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module", autouse=True)
def cheap_hashes() -> Iterator[None]:
    """argon2id with the smallest cost: these tests sign in often, and check who may, not
    how slow guessing is (the parameters travel in each hash, so checks use them too)."""
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(acc, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=64))
        mp.setattr(acc, "_DUMMY", [])
        yield


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store (reference data only) with an admin, an editor and a viewer."""
    path = tmp_path_factory.mktemp("auth") / "store.duckdb"
    with Store.open(path) as store:
        acc.add_user(store, "ana", "admin", PASSWORD)
        acc.add_user(store, "ed", "editor", PASSWORD, ["KZ-75"])
        acc.add_user(store, "vic", "viewer", PASSWORD, ["KZ-75"])
        acc.add_user(store, "gone", "viewer", PASSWORD)
    return path


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    app = create_app(db, warm=False, lockout=Lockout(failures=3, minutes=15))
    with TestClient(app, follow_redirects=False) as c:
        yield c


def _token(client: TestClient, name: str) -> tuple[str, str]:
    store = client.app.state.stores.cursor()  # type: ignore[attr-defined]
    try:
        return acc.create_token(store, name)
    finally:
        store.close()


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    r = client.post(
        "/login", data={"csrf_token": csrf[1], "name": name, "password": password, "next": "/"}
    )
    return r.status_code


def test_local_mode_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "local.duckdb"
    Store.open(path).__enter__().close()
    with TestClient(create_app(path, warm=False)) as c:
        assert c.get("/api/v1/indicators").status_code == 200
        assert c.get("/api/v1/me").json()["name"] == "local"
        assert "local mode" in c.get("/login").text
        assert not c.app.state.accounts  # type: ignore[attr-defined]


def test_every_route_needs_credentials(client: TestClient) -> None:
    from salamat.web.pages import router as pages

    api = [
        path
        for path, ops in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        if "get" in ops
    ]
    for path in [*api, "/api/v1/openapi.json", "/api/docs"]:
        url = re.sub(r"\{[^}]+\}", "2020", path)
        r = client.get(url)
        assert r.status_code == 401, url
        assert r.headers["www-authenticate"].startswith("Bearer"), url
        assert r.json()["status"] == 401
    page_paths = [r.path for r in pages.routes if r.path != "/login" and "GET" in r.methods]  # type: ignore[attr-defined]
    for path in page_paths:
        url = re.sub(r"\{[^}]+\}", "2020", path)
        r = client.get(url)
        assert r.status_code == 303, url
        assert r.headers["location"].startswith("/login?next="), url
    checked = len(api) + len(page_paths)
    assert checked > 15
    # static files too, but the sign-in page's own
    assert client.get("/static/salamat.js").status_code == 303
    assert client.get("/static/salamat.css").status_code == 200
    assert client.get("/login").status_code == 200
    # a POST without credentials is refused the same way
    assert client.post("/api/v1/users/vic/disable").status_code == 401
    assert client.post("/logout").status_code == 303


def test_bearer_token_and_roles(client: TestClient) -> None:
    _, viewer = _token(client, "vic")
    _, admin = _token(client, "ana")
    as_viewer = {"Authorization": f"Bearer {viewer}"}
    assert client.get("/api/v1/me", headers=as_viewer).json()["role"] == "viewer"
    assert client.get("/api/v1/indicators", headers=as_viewer).status_code == 200
    assert client.get("/", headers=as_viewer).status_code == 200
    for admin_route in ("/api/v1/users", "/api/v1/audit"):
        r = client.get(admin_route, headers=as_viewer)
        assert r.status_code == 403, admin_route
        assert "admin" in r.json()["error"]
        assert (
            client.get(admin_route, headers={"Authorization": f"Bearer {admin}"}).status_code == 200
        )
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer slm_000000000000_" + "x" * 43})
    assert r.status_code == 401 and "invalid_token" in r.headers["www-authenticate"]
    assert client.get("/api/v1/me", headers={"Authorization": "Basic YTpi"}).status_code == 401


def test_revoked_token_and_disabled_user_are_refused_at_once(client: TestClient) -> None:
    token_id, token = _token(client, "gone")
    mine = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=mine).status_code == 200
    _, admin = _token(client, "ana")
    as_admin = {"Authorization": f"Bearer {admin}"}
    for part in (token_id[:1], token_id[:11]):  # over the API only the whole id revokes
        r = client.post(f"/api/v1/tokens/{part}/revoke", headers=as_admin)
        assert r.status_code == 422 and "12 hex digits" in r.json()["error"], part
    assert client.get("/api/v1/me", headers=mine).status_code == 200
    assert client.post(f"/api/v1/tokens/{token_id}/revoke", headers=as_admin).status_code == 200
    assert client.get("/api/v1/me", headers=mine).status_code == 401
    _, again = _token(client, "gone")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {again}"}).status_code == 200
    r = client.post("/api/v1/users/gone/disable", headers=as_admin)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {again}"}).status_code == 401


def test_sign_in_session_cookie_and_csrf(client: TestClient) -> None:
    client.cookies.clear()
    assert _sign_in(client, "ed") == 303
    cookie = client.cookies.get("salamat_session")
    assert cookie
    page = client.get("/")
    assert page.status_code == 200 and "ed" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    # POST with the session but no or a wrong CSRF token: refused, still signed in
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert client.get("/api/v1/me").json()["name"] == "ed"
    assert client.post("/logout", data={"csrf_token": csrf[1]}).status_code == 303
    client.cookies.set("salamat_session", cookie)  # the old cookie is dead
    assert client.get("/api/v1/me").status_code == 401
    client.cookies.clear()


def test_sign_in_form_needs_its_csrf_token(client: TestClient) -> None:
    client.cookies.clear()
    client.get("/login")
    r = client.post("/login", data={"csrf_token": "forged", "name": "ed", "password": PASSWORD})
    assert r.status_code == 403 and "salamat_session" not in r.cookies
    client.cookies.clear()


def test_session_cookie_flags(client: TestClient) -> None:
    client.cookies.clear()
    behind_proxy = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in behind_proxy.headers["set-cookie"].lower()
    assert "secure" not in client.get("/login").headers["set-cookie"].lower()
    page = client.get("https://testserver/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    r = client.post(
        "https://testserver/login",
        data={"csrf_token": csrf[1], "name": "vic", "password": PASSWORD, "next": "//evil.example"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and "salamat_session" in v
    )
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "secure" in lowered
    client.cookies.clear()


def test_lockout_does_not_say_whether_the_user_exists(client: TestClient) -> None:
    client.cookies.clear()
    for _ in range(3):  # the fixture's lockout: 3 failures in 15 minutes
        assert _sign_in(client, "vic", "wrong password!") == 401
    # now even the right password is refused, in the same words as a wrong one
    r_locked = _sign_in(client, "vic")
    assert r_locked == 401
    for _ in range(3):
        assert _sign_in(client, "nobody", "wrong password!") == 401

    def attempt(name: str, password: str) -> object:
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        return client.post(
            "/login", data={"csrf_token": csrf[1], "name": name, "password": password}
        )

    a: Any = attempt("nobody", "x")
    b: Any = attempt("vic", PASSWORD)
    strip = lambda text: re.sub(r'value="[^"]*"', "", text)  # noqa: E731
    assert a.status_code == b.status_code == 401
    assert strip(a.text) == strip(b.text)  # the name typed is the only difference
    assert _sign_in(client, "ed") == 303  # another user is not locked
    client.cookies.clear()


def test_sign_ins_are_audited_with_the_address(client: TestClient) -> None:
    _, admin = _token(client, "ana")
    r = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {admin}"})
    rows = r.json()
    actions = {(x["actor"], x["action"]) for x in rows}
    assert {("ed", "login"), ("vic", "login_failed"), ("vic", "login_locked")} <= actions
    assert ("nobody", "login_failed") in actions
    assert ("ana", "token_revoked") in actions and ("ana", "user_disabled") in actions
    assert all(x["origin"] == "testclient" for x in rows if x["action"].startswith("login"))
    since = client.get(
        "/api/v1/audit?since=2999-01-01", headers={"Authorization": f"Bearer {admin}"}
    )
    assert since.json() == []
    for bad in ("1700000000", "2024-02-30", "01.12.2026"):  # a day, not seconds or local forms
        r = client.get(f"/api/v1/audit?since={bad}", headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 422, bad


def test_unit_records_outside_the_scope_are_answered_under_disclosure_control(
    client: TestClient,
) -> None:
    # issue 13 item 7: reads outside a viewer's org units are not refused (403) but answered
    # with small cells suppressed (tests/test_disclosure.py checks the suppression itself)
    _, viewer = _token(client, "vic")  # a viewer of KZ-75
    as_viewer = {"Authorization": f"Bearer {viewer}"}
    r = client.get("/api/v1/lifetables/KZ-ONT/2015", headers=as_viewer)
    assert r.status_code == 404  # this small store has no records: as for an admin
    r = client.get("/api/v1/decompositions/KAZ?from=2018&to=2023", headers=as_viewer)
    assert r.status_code not in (401, 403)
    assert client.get("/api/v1/lifetables/KZ-75/2020", headers=as_viewer).status_code == 404
    # published series are open to every user
    assert client.get("/api/v1/series/le0?area=KZ-ONT", headers=as_viewer).status_code == 200
    _, admin = _token(client, "ana")
    r = client.get("/api/v1/lifetables/KZ-ONT/2015", headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 404


def test_passwords_and_tokens_are_not_stored_in_clear(client: TestClient, db: Path) -> None:
    _, token = _token(client, "ana")
    client.app.state.stores.close()  # type: ignore[attr-defined]
    raw = db.read_bytes() + (
        db.with_suffix(".duckdb.wal").read_bytes()
        if db.with_suffix(".duckdb.wal").exists()
        else b""
    )
    assert PASSWORD.encode() not in raw
    assert token.split("_")[-1].encode() not in raw
    with Store.open(db, read_only=True) as store:
        hashes = store.con.execute("SELECT password_hash FROM app_user").fetchall()
    assert all(h[0].startswith("$argon2id$") for h in hashes)


def test_serve_refuses_a_public_address_without_an_admin(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        assert acc.serve_refusal(store, "127.0.0.1", str(path)) is None
        assert acc.serve_refusal(store, "::1", str(path)) is None
        refusal = acc.serve_refusal(store, "0.0.0.0", str(path))
        assert refusal is not None and "salamat users add NAME --role admin" in refusal
        acc.add_user(store, "vic", "viewer", PASSWORD)
        assert acc.serve_refusal(store, "0.0.0.0", str(path)) is not None
        acc.add_user(store, "ana", "admin", PASSWORD)
        assert acc.serve_refusal(store, "0.0.0.0", str(path)) is None
