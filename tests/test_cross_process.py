
"""Two `herd serve` processes on one database and one real Redis behave as one server: live
events, presence, pointers, spotlight, timer and Organize cross between them, and the same
owner token and share-link session work on both."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from llamafile_fake import FakeServer, llama_server
from redis_server import redis_server, redis_url  # noqa: F401 - fixtures
from sse_http import HttpStream

from server.organize.share import POLL_CANCEL


def call(server, method: str, path: str, body: dict | None = None,
         headers: dict | None = None) -> requests.Response:
    return requests.request(method, server.url + path, json=body, timeout=15,
                            headers=headers if headers is not None else server.headers)


def eventually(check, timeout: float = 10.0):
    """check() until it returns something truthy (state crossing processes takes a tick)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def held_model() -> tuple[FakeServer, threading.Event, list[str]]:
    """A model server whose runs wait on naming their groups until the test sets the event;
    the prompts it was asked to name, in order."""
    routes = llama_server()
    label = routes[("POST", "/completion")]
    release, named = threading.Event(), []

    def held(body):
        if "idea" in str(body.get("prompt")):  # the notes, not a start-up probe
            named.append(str(body.get("prompt")))
            release.wait(30)
        return label(body)
    routes[("POST", "/completion")] = held
    return FakeServer(routes), release, named


@pytest.fixture
def pair(any_db, herd_server, redis_url):  # noqa: F811  (the database outlives the servers)
    db = any_db  # a SQLite file, then a PostgreSQL database: one Redis and one store either way
    a = herd_server(db, "--redis", redis_url)
    b = herd_server(db, "--redis", redis_url)
    board = call(a, "POST", "/api/boards", {"name": "room"}).json()["id"]
    return a, b, board


def test_a_write_on_one_reaches_a_listener_on_the_other(pair):
    a, b, board = pair
    on_b = HttpStream(b.url, board, b.headers, last_id=0, who="browser-b")
    assert on_b.next_of("presence")["count"] == 1
    on_a = HttpStream(a.url, board, a.headers, last_id=0, who="browser-a")
    # Presence counts the people on every process: each stream sees both.
    assert eventually(lambda: on_b.next_of("presence")["count"] == 2)
    assert on_a.next_of("presence")["count"] == 2
    r = call(a, "POST", f"/api/boards/{board}/notes", {"text": "from a"})
    assert r.status_code == 201, r.text
    seen = on_b.next_of("changes")
    assert seen["changes"][0]["item"]["text"] == "from a" and seen["seq"] == 1
    r = call(b, "POST", f"/api/boards/{board}/notes", {"text": "from b"})
    assert on_a.next_of("changes")["changes"][0]["item"]["text"] == "from a"
    assert on_a.next_of("changes")["changes"][0]["item"]["text"] == "from b"
    on_a.close()
    assert eventually(lambda: on_b.next_of("presence")["count"] == 1)
    on_b.close()


def test_the_same_token_and_share_link_session_work_on_both(pair):
    a, b, board = pair
    assert a.token == b.token  # it lives in the database
    assert call(b, "GET", f"/api/boards/{board}").status_code == 200
    links = call(a, "GET", f"/api/boards/{board}/links").json()
    key = links["editor"].split("key=", 1)[1]
    opened = requests.get(f"{a.url}/b/{board}?key={key}", timeout=15, allow_redirects=False)
    assert opened.status_code in (200, 302, 303), opened.text
    cookie = opened.headers["Set-Cookie"].split(";", 1)[0]
    # The cookie a browser got from one process is a session on the other.
    r = call(b, "POST", f"/api/boards/{board}/notes", {"text": "editor"}, {"Cookie": cookie})
    assert r.status_code == 201, r.text
    assert call(b, "GET", "/api/boards", headers={"Cookie": cookie}).status_code == 403


def test_pointers_spotlight_and_timer_hold_across_processes(pair):
    a, b, board = pair
    on_b = HttpStream(b.url, board, b.headers)
    tab = {"X-Herd-Client": "tab-on-a"}
    r = call(a, "POST", f"/api/boards/{board}/cursor", {"x": 10, "y": 20, "name": "Ada"},
             {**a.headers, **tab})
    assert r.status_code == 204, r.text
    assert on_b.next_of("cursors")["moved"] == {"tab-on-a": [10.0, 20.0, "Ada"]}
    # A tab joining on the other process starts from every pointer.
    assert eventually(lambda: call(b, "GET", f"/api/boards/{board}/cursors").json()["cursors"]
                      ) == {"tab-on-a": {"x": 10.0, "y": 20.0, "name": "Ada", "sel": []}}

    view = {"x": 0, "y": 0, "w": 800, "h": 600}
    r = call(a, "POST", f"/api/boards/{board}/spotlight", {"view": view, "name": "Ada"},
             {**a.headers, **tab})
    assert r.status_code == 204, r.text
    assert on_b.next_of("spotlight")["spotlight"]["by"] == "tab-on-a"
    assert call(b, "GET", f"/api/boards/{board}/spotlight").json()["spotlight"]["name"] == "Ada"
    # Only the leader stops it, whichever process they reach.
    assert call(b, "POST", f"/api/boards/{board}/spotlight", {"stop": True},
                {**b.headers, "X-Herd-Client": "someone"}).status_code == 409
    assert call(b, "POST", f"/api/boards/{board}/spotlight", {"stop": True},
                {**b.headers, **tab}).status_code == 204
    assert call(a, "GET", f"/api/boards/{board}/spotlight").json() == {"spotlight": None}

    timer = call(a, "POST", f"/api/boards/{board}/timer", {"seconds": 300}).json()["timer"]
    assert timer["seconds"] == 300
    assert on_b.next_of("timer")["timer"]["seconds"] == 300
    left = call(b, "GET", f"/api/boards/{board}/timer").json()["timer"]["remaining"]
    assert 250 < left <= 300
    assert call(b, "POST", f"/api/boards/{board}/timer", {"stop": True}).status_code == 200
    assert call(a, "GET", f"/api/boards/{board}/timer").json() == {"timer": None}
    assert call(a, "POST", f"/api/boards/{board}/timer", {"stop": True}).status_code == 409
    on_b.close()


def test_one_organize_per_board_across_processes(any_db, herd_server,  # noqa: F811
                                                 redis_url, tmp_path):  # noqa: F811
    fake, release, _ = held_model()
    try:
        db = str(tmp_path / "herd.db")
        ai = ("--redis", redis_url, "--llamafile-url", fake.url)
        a = herd_server(db, *ai)
        b = herd_server(db, *ai)
        board = call(a, "POST", "/api/boards", {"name": "organize"}).json()["id"]
        for i in range(6):
            call(a, "POST", f"/api/boards/{board}/notes", {"text": f"idea {i}", "x": i * 200})
        on_b = HttpStream(b.url, board, b.headers)
        started = call(a, "POST", f"/api/boards/{board}/organize", {})
        assert started.status_code == 202, started.text
        job = started.json()["job"]["id"]
        second = call(b, "POST", f"/api/boards/{board}/organize", {})
        assert second.status_code == 409 and "already running" in second.json()["error"]["message"]
        # Progress is seen on the other process, as an event and as the run's status.
        assert on_b.next_of("organize")["job"]["id"] == job
        assert call(b, "GET", f"/api/boards/{board}/organize/{job}").json()["job"]["state"] \
            == "running"
        # Cancel through the other process: the run stops, the board is free again.
        assert call(b, "POST", f"/api/boards/{board}/organize/{job}/cancel").status_code == 200
        time.sleep(4 * POLL_CANCEL)  # the owner looks at the flag every POLL_CANCEL s
        release.set()
        state = eventually(lambda: call(b, "GET", f"/api/boards/{board}/organize/{job}").json()
                           ["job"]["state"] != "running", timeout=30)
        assert state
        assert call(a, "GET", f"/api/boards/{board}/organize/{job}").json()["job"]["state"] \
            == "cancelled"
        again = call(b, "POST", f"/api/boards/{board}/organize", {})
        assert again.status_code == 202, again.text
        on_b.close()
    finally:
        release.set()
        fake.close()


def test_a_preview_is_applied_and_discarded_through_the_other_process(herd_server,  # noqa: F811
                                                                   redis_url, tmp_path):  # noqa: F811
    """The preview's plan lives where it was made (A); Apply through B is carried to A, which
    writes it once, and B answers with the run as it ended. A second preview, discarded
    through B, can no longer be applied anywhere."""
    fake = FakeServer(llama_server())
    try:
        db = str(tmp_path / "herd.db")
        a = herd_server(db, "--redis", redis_url, "--llamafile-url", fake.url)
        b = herd_server(db, "--redis", redis_url, "--llamafile-url", fake.url)
        board = call(a, "POST", "/api/boards", {"name": "preview"}).json()["id"]
        for i in range(6):
            call(a, "POST", f"/api/boards/{board}/notes", {"text": f"idea {i}", "x": i * 200})

        def previewed() -> str:
            r = call(a, "POST", f"/api/boards/{board}/organize", {"preview": True})
            assert r.status_code == 202, r.text
            job = r.json()["job"]["id"]
            assert eventually(lambda: call(b, "GET", f"/api/boards/{board}/organize/{job}")
                              .json()["job"]["state"] == "preview", timeout=30)
            return job

        job = previewed()
        assert not any(n["group_id"] for n in call(b, "GET", f"/api/boards/{board}").json()
                       ["notes"])  # a preview writes nothing
        r = call(b, "POST", f"/api/boards/{board}/organize/{job}/apply")
        assert r.status_code == 200, r.text
        assert r.json()["job"]["state"] == "done" and r.json()["job"]["undoable"]
        notes = call(a, "GET", f"/api/boards/{board}").json()["notes"]
        assert all(n["group_id"] for n in notes)
        again = call(b, "POST", f"/api/boards/{board}/organize/{job}/apply")
        assert again.status_code == 409 and "not waiting for Apply" in again.text
        assert call(a, "POST", f"/api/boards/{board}/organize/{job}/undo").status_code == 200

        job = previewed()
        assert call(b, "POST", f"/api/boards/{board}/organize/{job}/cancel").status_code == 200
        for server in (a, b):
            r = call(server, "POST", f"/api/boards/{board}/organize/{job}/apply")
            assert r.status_code == 409, r.text
        assert not any(n["group_id"] for n in call(a, "GET", f"/api/boards/{board}").json()
                       ["notes"])
    finally:
        fake.close()


def test_organize_runs_on_two_processes_take_turns_in_one_line(herd_server,  # noqa: F811
                                                                 redis_url, tmp_path):  # noqa: F811
    """Two processes on the same model server: board B's run, started on the second process
    while board A's holds the model on the first, waits for its turn and says its place,
    on both processes; once A's run ends, B's runs."""
    fake, release, named = held_model()
    try:
        db = str(tmp_path / "herd.db")
        ai = ("--redis", redis_url, "--llamafile-url", fake.url)
        a, b = herd_server(db, *ai), herd_server(db, *ai)
        boards = []
        for name in ("A", "B"):
            board = call(a, "POST", "/api/boards", {"name": name}).json()["id"]
            for i in range(6):
                call(a, "POST", f"/api/boards/{board}/notes",
                     {"text": f"idea {name}{i}", "x": i * 200})
            boards.append(board)
        first = call(a, "POST", f"/api/boards/{boards[0]}/organize", {})
        assert first.status_code == 202, first.text
        assert eventually(lambda: named)  # A's run holds the model server
        second = call(b, "POST", f"/api/boards/{boards[1]}/organize", {})
        assert second.status_code == 202, second.text
        jobs = [first.json()["job"]["id"], second.json()["job"]["id"]]

        def job_b(server) -> dict:
            return call(server, "GET", f"/api/boards/{boards[1]}/organize/{jobs[1]}"
                        ).json()["job"]

        waiting = eventually(lambda: (j := job_b(b))["queue"] and j)
        assert waiting, "B's run never said it waits"
        assert (waiting["state"], waiting["stage"], waiting["queue"]) == \
            ("running", "queued", {"place": 1, "ahead": 1})
        assert eventually(lambda: job_b(a)["queue"] == {"place": 1, "ahead": 1})
        assert all("idea A" in p for p in named)  # B has not asked the model anything

        release.set()
        for server, board, job in ((a, boards[0], jobs[0]), (b, boards[1], jobs[1])):
            state = eventually(lambda server=server, board=board, job=job: (s := call(
                server, "GET", f"/api/boards/{board}/organize/{job}").json()["job"]["state"]
                ) != "running" and s, timeout=30)
            assert state == "done"
        assert job_b(b)["queue"] is None
    finally:
        release.set()
        fake.close()


def test_workers_without_redis_are_refused_in_one_line(tmp_path):
    herd = Path(sys.executable).with_name("herd")
    r = subprocess.run([str(herd), "serve", "--no-ai", "--db", str(tmp_path / "h.db"),
                        "--port", "1", "--workers", "2"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("herd serve: --workers 2 needs --redis URL")
    r = subprocess.run([str(herd), "serve", "--no-ai", "--db", str(tmp_path / "h.db"),
                        "--port", "1", "--redis", "redis://127.0.0.1:1/0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("herd serve: cannot reach Redis at ")


def test_two_workers_on_one_port_share_their_listeners(herd_server, redis_url, tmp_path):  # noqa: F811
    server = herd_server(str(tmp_path / "herd.db"), "--workers", "2", "--redis", redis_url)
    board = call(server, "POST", "/api/boards", {"name": "workers"}).json()["id"]
    # Connections land on either worker: every stream must hear a write, whichever
    # worker takes it.
    streams = [HttpStream(server.url, board, server.headers, who=f"w{i}") for i in range(6)]
    for i in range(3):
        assert call(server, "POST", f"/api/boards/{board}/notes", {"text": f"n{i}"}
                    ).status_code == 201
    for stream in streams:
        texts = [stream.next_of("changes")["changes"][0]["item"]["text"] for _ in range(3)]
        assert texts == ["n0", "n1", "n2"]
        stream.close()
    workers = {line for line in server.output().splitlines() if "Booting worker" in line}
    assert len(workers) == 2
