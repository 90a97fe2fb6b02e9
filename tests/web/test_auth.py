"""Login, sessions, CSRF, redirects and security headers of the review UI."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from monitor.web.auth import hash_password, safe_next, verify_password
from state.store import Store
from tests.web.conftest import PASSWORDS, Seeded, csrf_of, login

PAGES = [
    "/",
    "/?state=approved",
    "/change-sets/1",
    "/documents",
    "/documents/1",
    "/versions/1",
    "/sources",
    "/subscribers",
    "/subscribers/1",
    "/outbox",
    "/audit",
    "/api/change-sets",
    "/api/change-sets/1",
    "/api/documents",
    "/api/documents/1",
    "/api/sources",
    "/api/reviews",
    "/no-such-page",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_redirects_to_login_without_a_session(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2F")


@pytest.mark.parametrize("path", PAGES[:-1])
def test_every_page_opens_once_logged_in(admin: tuple[TestClient, str], path: str) -> None:
    client, _ = admin
    assert client.get(path).status_code == 200


def test_public_paths_need_no_login(client: TestClient) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/unsubscribe/1.2.bad").status_code == 400  # answered, not redirected
    assert client.get("/feed/not-the-token").status_code == 404


def test_login_with_a_wrong_password_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf": token, "name": "alice", "password": "nope"})
    assert response.status_code == 400
    assert "用户名或密码错误" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_disabled_user_cannot_log_in_and_loses_the_session(
    client: TestClient, store: Store, seeded: Seeded
) -> None:
    login(client, "bob")
    bob = store.find_user("bob")
    assert bob is not None and bob.id is not None
    store.set_user_active(bob.id, active=False)
    assert client.get("/", follow_redirects=False).status_code == 303
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf": token, "name": "bob", "password": "bob-reviewer-pw"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("next_path", "lands"),
    [
        ("/documents?x=1", "/documents?x=1"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("", "/"),
    ],
)
def test_login_redirects_only_to_same_site_paths(
    client: TestClient, next_path: str, lands: str
) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf": token, "name": "alice", "password": PASSWORDS["alice"], "next": next_path},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == lands


def test_safe_next_rejects_control_characters() -> None:
    assert safe_next("/ok\r\nLocation: http://evil") == "/"
    assert safe_next("/fine/path") == "/fine/path"


@pytest.mark.parametrize(
    "path",
    ["/change-sets/1/approve", "/change-sets/1/reject", "/logout", "/login", "/subscribers"],
)
def test_post_without_csrf_token_is_403(admin: tuple[TestClient, str], path: str) -> None:
    client, _ = admin
    response = client.post(path, data={"reason": "x", "name": "x"}, follow_redirects=False)
    assert response.status_code == 403


def test_post_with_a_wrong_csrf_token_is_403_and_changes_nothing(
    admin: tuple[TestClient, str], store: Store, seeded: Seeded
) -> None:
    client, token = admin
    response = client.post(
        f"/change-sets/{seeded.change_set_id}/approve", data={"csrf": token[:-2] + "xx"}
    )
    assert response.status_code == 403
    assert store.get_change_set(seeded.change_set_id).state.value == "pending"
    assert store.reviews(seeded.change_set_id) == []


def test_csrf_token_in_header_is_accepted(admin: tuple[TestClient, str]) -> None:
    client, token = admin
    response = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_security_headers_on_pages_and_errors(admin: tuple[TestClient, str]) -> None:
    client, _ = admin
    for response in (client.get("/"), client.get("/login"), client.get("/change-sets/999")):
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite_lax(client: TestClient) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_session_cookie_is_secure_when_configured(seeded: Seeded, db_path: object) -> None:
    from monitor.config import Config, WebConfig
    from monitor.web.app import create_app
    from state.store import open_store

    config = Config(web=WebConfig(secure_cookies=True))
    app = create_app(config, lambda: open_store(db_path, migrate=False))  # type: ignore[arg-type]
    with TestClient(app, base_url="https://testserver") as client:
        cookie = client.get("/login").headers["set-cookie"].lower()
    assert "; secure" in cookie


def test_passwords_are_argon2_hashed() -> None:
    hashed = hash_password("s3cret-pass")
    assert hashed.startswith("$argon2id$") and "s3cret-pass" not in hashed
    assert verify_password(hashed, "s3cret-pass")
    assert not verify_password(hashed, "wrong")
    assert not verify_password("not a hash", "s3cret-pass")
