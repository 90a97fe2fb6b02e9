"""No path or form value makes the review UI answer 500 (#16, break 9).

The routes come from the Starlette app itself, so a route added later is fuzzed too; path
parameters get values of their convertor's kind and worse (ids past SQLite's integers, digits
from other scripts, markup), forms get every field name the templates use with hostile values,
both logged in as an admin (with the CSRF token, so the endpoints see the values) and not.
A server exception fails the test with the request that caused it.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.convertors import IntegerConvertor
from starlette.routing import Route
from starlette.testclient import TestClient

from monitor.config import Config
from monitor.web.app import create_app
from monitor.web.limits import LoginThrottle
from state.store import open_store
from tests.web.conftest import NOW, Seeded, login

TEMPLATES = Path(__file__).parents[2] / "monitor" / "web" / "templates"
FIELDS = sorted(
    set(re.findall(r'name="([a-z_]+)"', "".join(p.read_text() for p in TEMPLATES.glob("*.j2"))))
)
NASTY = [
    "",
    "0",
    "-1",
    "1e9",
    "99999999999999999999999",
    "٣",  # ARABIC-INDIC DIGIT THREE: str.isdigit() says yes
    "²",  # SUPERSCRIPT TWO: isdigit() yes, int() no
    "１２",  # fullwidth digits
    "1.2.3",
    "1.1999999999.c2lnbmF0dXJl",
    "٣.١٩٩٩٩٩٩٩٩٩.abc",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "\x00\x01",
    "a" * 3000,
    "pending",
    "approved",
    "daily",
    "immediate",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def _routes(app: object) -> list[tuple[str, str, dict[str, bool]]]:
    """(path template, method, {param: is an int}) of every route of the app."""
    found = []
    for route in app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, Route):
            continue  # the static files mount
        params = {
            name: isinstance(conv, IntegerConvertor)
            for name, conv in route.param_convertors.items()
        }
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((route.path, method, params))
    return found


@pytest.fixture
def app(seeded: Seeded, db_path: Path) -> object:
    return create_app(
        _config(),
        lambda: open_store(db_path, migrate=False),
        clock=lambda: NOW,
        login_throttle=LoginThrottle(account_free=10_000, address_free=10_000),
    )


def _config() -> Config:
    return Config()


@pytest.fixture
def anonymous(app: object) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        yield client


def test_the_routes_are_enumerated_from_the_app(app: object) -> None:
    routes = {(path, method) for path, method, _ in _routes(app)}
    assert ("/change-sets/{cs_id:int}/approve", "POST") in routes
    assert ("/unsubscribe/{token}", "POST") in routes and ("/feed/{token}", "GET") in routes
    assert len(routes) >= 30
    assert {"csrf", "name", "password", "summary", "reason", "documents"} <= set(FIELDS)


def _request(client: TestClient, data: st.DataObject, csrf: str | None) -> str:
    """One fuzzed request; returns the route's path template."""
    path, method, params = data.draw(st.sampled_from(_routes(client.app)), label="route")
    template = path
    for name, is_int in params.items():
        if is_int:
            value = str(data.draw(st.integers(min_value=0, max_value=10**25), label=name))
        else:
            value = quote(data.draw(values, label=name), safe="")
        path = re.sub(r"\{" + name + r"(:[a-z]+)?\}", value or "x", path)
    query = data.draw(st.dictionaries(st.sampled_from(["state", "a", "b", "next"]), values))
    if method == "GET":
        response = client.get(path, params=query, follow_redirects=False)
    else:
        form = data.draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
        if csrf is not None:
            form["csrf"] = csrf
        response = client.request(method, path, data=form, follow_redirects=False)
    assert response.status_code < 500, (method, path, query, response.text[:300])
    return template


# One client (and database) per test, not per example: the requests pile up like real use.
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_no_value_makes_a_route_fail_without_a_login(
    anonymous: TestClient, data: st.DataObject
) -> None:
    _request(anonymous, data, csrf=None)


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_no_value_makes_a_route_fail_for_an_admin(
    anonymous: TestClient, data: st.DataObject
) -> None:
    if anonymous not in _CSRF:
        _CSRF[anonymous] = login(anonymous, "alice")
    if _request(anonymous, data, csrf=_CSRF[anonymous]) in ("/logout", "/login"):
        del _CSRF[anonymous]  # the session may have ended: log in again next time


_CSRF: weakref.WeakKeyDictionary[TestClient, str] = weakref.WeakKeyDictionary()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/unsubscribe/%D9%A3.1999999999.abc", 400),  # ٣: the 500 the attack found
        ("POST", "/unsubscribe/%D9%A3.1999999999.abc", 400),
        ("POST", "/unsubscribe/1.1999999999.%D9%A3", 400),
        ("GET", "/change-sets/99999999999999999999", 404),
        ("GET", "/api/change-sets/99999999999999999999", 404),
        ("GET", "/documents/1?a=%C2%B2&b=1", 200),  # ² (isdigit, not int): ignored
    ],
)
def test_the_values_the_attack_found(
    anonymous: TestClient, method: str, path: str, status: int
) -> None:
    login(anonymous, "alice")
    assert anonymous.request(method, path).status_code == status
