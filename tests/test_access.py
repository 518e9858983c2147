"""Access in detail: links traded for cookies, rotation cutting people off (open streams too),
the owner token, Host/Origin/Content-Type hardening, headers, and per-caller limits."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pg_server import BACKENDS
from sse_stream import Stream

from server.store import db, schema


@pytest.fixture
def board(client):
    return client.post("/api/boards", json={"name": "Access"}).get_json()["id"]


def links(client, board):
    return client.get(f"/api/boards/{board}/links").get_json()


def path_of(url: str) -> str:
    return url.replace("http://localhost", "")


def open_link(app, url: str):
    """A new browser (no cookie) that opens the link; returns its client."""
    c = app.test_client(owner=False)
    r = c.get(path_of(url))
    assert r.status_code == 303, r.status_code
    return c


def test_links_are_distinct_random_and_not_derivable(client, board):
    got = links(client, board)
    keys = {role: got[role].split("?key=")[1] for role in ("facilitator", "editor", "viewer")}
    assert len(set(keys.values())) == 3
    assert all(len(k) >= 32 for k in keys.values())  # 24 random bytes: 192 bits
    other = client.post("/api/boards", json={"name": "Other"}).get_json()["id"]
    assert not set(keys.values()) & {links(client, other)[r].split("?key=")[1]
                                     for r in keys}


def test_opening_a_link_sets_an_httponly_cookie_and_drops_the_secret_from_the_address(
        app, client, board):
    url = links(client, board)["editor"]
    c = app.test_client(owner=False)
    r = c.get(path_of(url))
    assert r.status_code == 303 and r.headers["Location"] == f"/b/{board}"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert url.split("?key=")[1] not in cookie  # only a fingerprint is remembered
    page = c.get(f"/b/{board}")
    assert page.status_code == 200
    snap = c.get(f"/api/boards/{board}").get_json()
    assert snap["access"]["role"] == "editor" and "write" in snap["access"]["may"]
    assert "manage" not in snap["access"]["may"]


def test_a_cookie_is_secure_behind_a_trusted_tls_proxy(make_app):
    app = make_app(TRUSTED_PROXY=1)
    owner = app.test_client()
    b = owner.post("/api/boards", json={}).get_json()["id"]
    url = links(owner, b)["viewer"]
    r = app.test_client(owner=False).get(path_of(url), headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in r.headers["Set-Cookie"]


def test_a_wrong_key_opens_nothing(app, board):
    c = app.test_client(owner=False)
    r = c.get(f"/b/{board}?key=guess")
    assert r.status_code == 403 and "no longer works" in r.get_data(as_text=True)
    assert c.get(f"/api/boards/{board}").status_code == 401


def _session_cookie(app, c) -> str:
    return c.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def test_a_cookie_changed_in_one_byte_is_checked_again_and_refused(app, client, board):
    c = open_link(app, links(client, board)["editor"])
    assert c.get(f"/api/boards/{board}").status_code == 200  # its signature held: remembered
    good = _session_cookie(app, c)
    # The signature's last base64 character carries padding bits (another letter can mean
    # the same bytes: this test failed ~1 run in 20 so): change one in its middle.
    middle = len(good) - 10
    for forged in (good[:middle] + ("A" if good[middle] != "A" else "B") + good[middle + 1:],
                   good.replace(".", "x.", 1)):  # the payload
        c.set_cookie(app.config["SESSION_COOKIE_NAME"], forged)
        r = c.get(f"/api/boards/{board}")
        assert r.status_code == 401, forged
    c.set_cookie(app.config["SESSION_COOKIE_NAME"], good)
    assert c.get(f"/api/boards/{board}").status_code == 200


def test_a_remembered_cookie_still_expires_with_its_session(app, client, board, monkeypatch):
    from server.access import sessions

    c = open_link(app, links(client, board)["editor"])
    assert c.get(f"/api/boards/{board}").status_code == 200
    assert c.get(f"/api/boards/{board}").status_code == 200  # now from memory
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 5
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert c.get(f"/api/boards/{board}").status_code == 401  # 30 days on: signed out


def test_a_move_with_a_cookie_sends_none_back_but_says_its_answer_depends_on_it(
        app, client, board):
    """No Set-Cookie on the busy path (re-signing it cost 0.3 ms a move: sessions.py), but
    Vary: Cookie (a cache must not hand one person's answer to another); a session that
    changes is still sent."""
    c = open_link(app, links(client, board)["editor"])
    client.post(f"/api/boards/{board}/notes", json={"id": "n1", "text": "a"})
    r = c.patch(f"/api/boards/{board}/notes/n1", json={"x": 1})
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    assert r.headers.get_all("Vary") == ["Cookie"]
    other = client.post("/api/boards", json={"name": "Other"}).get_json()["id"]
    r = c.get(path_of(links(client, other)["viewer"]))  # the session gains a board
    assert r.status_code == 303 and "Set-Cookie" in r.headers and "Cookie" in r.headers["Vary"]
    assert c.get(f"/api/boards/{other}").status_code == 200
    assert c.get(f"/api/boards/{board}").status_code == 200  # and keeps the first one


def test_a_link_opens_only_its_own_board(app, client, board):
    other = client.post("/api/boards", json={"name": "Other"}).get_json()["id"]
    c = open_link(app, links(client, board)["facilitator"])
    assert c.get(f"/api/boards/{board}").status_code == 200
    r = c.get(f"/api/boards/{other}")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthenticated"
    assert c.get("/api/boards").status_code == 403  # known, but not the owner


def test_a_viewer_reads_and_exports_but_writes_nothing(app, client, board):
    client.post(f"/api/boards/{board}/notes", json={"id": "n1", "text": "keep"})
    v = open_link(app, links(client, board)["viewer"])
    assert v.get(f"/api/boards/{board}/export?format=csv").status_code == 200
    r = v.patch(f"/api/boards/{board}/notes/n1", json={"text": "vandal"})
    assert r.status_code == 403 and "viewer" in r.get_json()["error"]["message"]
    assert client.get(f"/api/boards/{board}").get_json()["notes"][0]["text"] == "keep"


@pytest.mark.parametrize("db_path", BACKENDS, indirect=True)
def test_rotating_a_link_cuts_off_its_holders_and_nobody_else(app, client, board):
    before = links(client, board)
    editor = open_link(app, before["editor"])
    viewer = open_link(app, before["viewer"])
    r = client.post(f"/api/boards/{board}/links/editor/rotate")
    after = r.get_json()
    assert after["editor"] != before["editor"] and after["viewer"] == before["viewer"]
    r = editor.post(f"/api/boards/{board}/notes", json={"text": "late"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "link_rotated"
    assert "replaced" in r.get_json()["error"]["message"]
    assert viewer.get(f"/api/boards/{board}").status_code == 200
    # The old link opens nothing any more; the new one works.
    assert app.test_client(owner=False).get(path_of(before["editor"])).status_code == 403
    again = open_link(app, after["editor"])
    assert again.post(f"/api/boards/{board}/notes", json={"text": "ok"}).status_code == 201


def test_a_facilitator_who_rotates_their_own_link_keeps_their_place(app, client, board):
    fac = open_link(app, links(client, board)["facilitator"])
    assert fac.post(f"/api/boards/{board}/links/facilitator/rotate").status_code == 200
    assert fac.get(f"/api/boards/{board}/links").status_code == 200


@pytest.mark.parametrize("db_path", BACKENDS, indirect=True)
def test_rotation_closes_open_live_streams_of_that_link_at_once(make_app):
    app = make_app(SSE_PING_SECONDS=30)
    owner = app.test_client()
    b = owner.post("/api/boards", json={}).get_json()["id"]
    got = links(owner, b)
    editor, viewer = open_link(app, got["editor"]), open_link(app, got["viewer"])
    es, vs = Stream(editor, b), Stream(viewer, b)
    es.next_of("presence")
    vs.next_of("presence")
    owner.post(f"/api/boards/{b}/links/editor/rotate")
    assert es.next_of("access_revoked") == {"type": "access_revoked"}
    with pytest.raises(StopIteration):
        es.next()  # the stream ended: no ping needed, no more events
    # The viewer's stream goes on and never hears of the editor link.
    owner.post(f"/api/boards/{b}/notes", json={"id": "n", "text": "x"})
    assert vs.next_of("changes")["changes"][0]["item"]["id"] == "n"
    es.close()
    vs.close()


@pytest.mark.parametrize("db_path", BACKENDS, indirect=True)
def test_a_rotated_owner_token_signs_out_owner_sessions_and_scripts(make_app, db_path):
    app = make_app()
    c = app.test_client(owner=False)
    token = app.extensions["herd.store"].secret("owner")
    assert c.get(f"/?token={token}").status_code == 303
    assert c.get("/api/boards").status_code == 200
    herd = Path(sys.executable).with_name("herd")
    out = subprocess.run([str(herd), "token", "--db", db_path, "--rotate"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    new = out.strip().split("?token=")[1]
    assert new != token and out.startswith("Herd is on http://127.0.0.1:8000/?token=")
    assert c.get("/api/boards").status_code == 401
    old = app.test_client(owner=False)
    assert old.get("/api/boards", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert old.get("/api/boards", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    printed = subprocess.run([str(herd), "token", "--db", db_path], capture_output=True,
                             text=True, timeout=60, check=True).stdout
    assert printed.strip().endswith(new)


def test_a_link_secret_works_as_a_bearer_token_for_its_board_only(app, client, board):
    key = links(client, board)["editor"].split("?key=")[1]
    c = app.test_client(owner=False)
    auth = {"Authorization": f"Bearer {key}"}
    assert c.post(f"/api/boards/{board}/notes", json={"text": "x"}, headers=auth).status_code \
        == 201
    assert c.get("/api/boards", headers=auth).status_code == 401
    bad = c.get(f"/api/boards/{board}", headers={"Authorization": "Basic abc"})
    assert bad.status_code == 401 and "Bearer" in bad.get_json()["error"]["message"]


def test_boards_from_before_links_get_them_on_upgrade_and_lose_nothing(any_empty_db, make_app):
    conn = db.connect(any_empty_db)
    conn.execute("PRAGMA journal_mode = WAL")
    for version in range(2):  # the schema as it was before access
        for stmt in schema._statements(schema.MIGRATIONS[version]):
            conn.execute(stmt)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO boards VALUES ('old1', 'Old board', 1, 't', 't')")
    conn.execute("INSERT INTO notes VALUES ('old1', 'n1', 'kept', 0, 0, 160, 120, 'yellow', "
                 "NULL, 1, 't', 't')")
    conn.close()
    app = make_app(DATABASE=any_empty_db)
    owner = app.test_client()
    assert owner.get("/api/boards/old1").get_json()["notes"][0]["text"] == "kept"
    got = links(owner, "old1")
    editor = open_link(app, got["editor"])
    assert editor.get("/api/boards/old1").get_json()["access"]["role"] == "editor"


@pytest.mark.parametrize("db_path", ["sqlite"], indirect=True)  # a file's mode: SQLite's alone
def test_the_database_is_readable_by_its_user_only(app, db_path):
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


# -- hardening -----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "rebound.attacker.test:8000", "localhost.evil"])
def test_a_name_herd_was_not_told_of_is_refused(client, host):
    r = client.get("/api/boards", headers={"Host": host})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "host_not_allowed"
    assert client.get("/", headers={"Host": host}).status_code == 400


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000",
                                  "192.168.1.20:8000"])
def test_ip_addresses_and_localhost_are_answered(client, host):
    assert client.get("/api/boards", headers={"Host": host}).status_code == 200


def test_allowed_hosts_are_answered(make_app):
    c = make_app(ALLOWED_HOSTS=["herd.lan"]).test_client()
    assert c.get("/api/boards", headers={"Host": "herd.lan:8000"}).status_code == 200
    assert c.get("/api/boards", headers={"Host": "other.lan"}).status_code == 400


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost:9999"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_cross_site_writes_are_refused(client, board, headers):
    r = client.post(f"/api/boards/{board}/notes", json={"text": "csrf"}, headers=headers)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "cross_origin"
    assert client.get(f"/api/boards/{board}").get_json()["notes"] == []


def test_same_origin_writes_pass(client, board):
    r = client.post(f"/api/boards/{board}/notes", json={"text": "ok"},
                    headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 201


def test_writes_from_a_page_on_an_international_name_pass(make_app):
    """The browser's Origin for bücher.example is its punycode, as the Host header is."""
    app = make_app(ALLOWED_HOSTS=["xn--bcher-kva.example"])
    c = app.test_client()
    host = {"Host": "xn--bcher-kva.example:8000"}
    r = c.post("/api/boards", json={"name": "x"},
               headers={**host, "Origin": "http://xn--bcher-kva.example:8000"})
    assert r.status_code == 201, r.get_json()
    r = c.post("/api/boards", json={"name": "x"},
               headers={**host, "Origin": "http://bücher.example:8000"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "cross_origin"


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x"])
def test_simple_request_content_types_change_nothing(client, board, ctype):
    for path in (f"/api/boards/{board}/ops", f"/api/boards/{board}/notes",
                 f"/api/boards/{board}/import-text", "/api/boards"):
        r = client.post(path, data='{"text": "x", "ops": [], "name": "x"}', content_type=ctype)
        assert r.status_code == 415, (path, r.status_code)
        assert r.get_json()["error"]["code"] == "unsupported_media_type"
    assert client.get(f"/api/boards/{board}").get_json()["notes"] == []
    assert len(client.get("/api/boards").get_json()["boards"]) == 1


def test_every_answer_carries_the_security_headers(client, board):
    for r in (client.get("/"), client.get(f"/b/{board}"), client.get("/api/boards"),
              client.get("/api/nope"), client.get("/static/css/herd.css"),
              client.get("/api/boards", headers={"Host": "evil.example"})):
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["X-Frame-Options"] == "DENY"


def test_templates_hold_no_inline_script_or_style():
    """CSP forbids them: they would silently not run."""
    import re

    for page in Path(__file__).resolve().parents[1].joinpath("templates").glob("*.html"):
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), page.name
        assert not re.search(r"\sstyle=", html), page.name
        assert not re.search(r"\son[a-z]+=", html), page.name


# -- limits --------------------------------------------------------------------------------


def test_streams_over_the_cap_get_429_and_everyone_else_is_answered(make_app):
    app = make_app(MAX_STREAMS_PER_SESSION=3, MAX_STREAMS_PER_ADDRESS=5)
    owner = app.test_client()
    b = owner.post("/api/boards", json={}).get_json()["id"]
    hog = open_link(app, links(owner, b)["viewer"])
    streams = [Stream(hog, b) for _ in range(3)]
    r = hog.get(f"/api/boards/{b}/events")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.get_json()["error"]["code"] == "too_many_requests"
    other = open_link(app, links(owner, b)["viewer"])
    more = [Stream(other, b) for _ in range(2)]  # the address still has room for two
    assert other.get(f"/api/boards/{b}/events").status_code == 429  # the address is full
    assert other.get(f"/api/boards/{b}").status_code == 200  # and everything else answers
    for s in streams[:1]:
        s.close()
    third = Stream(hog, b)  # a closed stream gives its slot back
    for s in [*streams[1:], *more, third]:
        s.close()


def test_writes_past_the_rate_get_429_with_retry_after_and_change_nothing(make_app):
    app = make_app(RATE_WRITES_SESSION="5/minute")
    owner = app.test_client()
    b = owner.post("/api/boards", json={}).get_json()["id"]
    editor = open_link(app, links(owner, b)["editor"])
    codes = [editor.post(f"/api/boards/{b}/notes", json={"text": str(i)}).status_code
             for i in range(8)]
    assert codes == [201] * 5 + [429] * 3
    r = editor.post(f"/api/boards/{b}/notes", json={"text": "again"})
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert len(owner.get(f"/api/boards/{b}").get_json()["notes"]) == 5
    # Another person on the same board is not held back by the first one's limit.
    other = open_link(app, links(owner, b)["editor"])
    assert other.post(f"/api/boards/{b}/notes", json={"text": "mine"}).status_code == 201


def test_pointer_posts_have_a_limit_of_their_own(make_app):
    app = make_app(RATE_POINTER_SESSION="3/minute")
    owner = app.test_client()
    b = owner.post("/api/boards", json={}).get_json()["id"]
    editor = open_link(app, links(owner, b)["editor"])
    tab = {"X-Herd-Client": "tab-1"}
    codes = [editor.post(f"/api/boards/{b}/cursor", json={"x": i, "y": 0},
                         headers=tab).status_code for i in range(4)]
    assert codes == [204, 204, 204, 429]
    assert editor.post(f"/api/boards/{b}/notes", json={"text": "x"}).status_code == 201


def test_the_qr_code_is_an_svg_of_the_link(client, board):
    r = client.get(f"/api/boards/{board}/links/viewer/qr.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.data.startswith(b"<svg") and b"<path" in r.data
    assert client.get(f"/api/boards/{board}/links/owner/qr.svg").status_code == 404


def test_health_says_nothing_about_boards(app, board):
    r = app.test_client(owner=False).get("/api/health")
    assert r.get_json() == {"ok": True}


@pytest.mark.parametrize("db_path", BACKENDS, indirect=True)
def test_migrated_database_keeps_secrets_apart_from_boards(db_path, app):
    conn = db.connect(db_path)
    names = {r[0] for r in conn.execute("SELECT name FROM secrets")}
    conn.close()
    assert names == {"owner", "session_key"}
