"""SIGKILL mid-burst: every write the server acknowledged is there after a restart."""

from __future__ import annotations

import http.client
import json
import threading
import time

WRITERS = 4


def writer(port: int, headers: dict, board: str, k: int, acked: list,
           stop: threading.Event) -> None:
    """Create notes and move a per-writer note until the server dies; record 2xx answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    i = 0
    while not stop.is_set() and i < 100_000:
        i += 1
        if i % 2:
            method, path = "POST", f"/api/boards/{board}/notes"
            body = {"id": f"w{k}-{i}", "text": f"note {i} from writer {k}"}
        else:
            method, path = "PATCH", f"/api/boards/{board}/notes/mover{k}"
            body = {"x": i}
        try:
            conn.request(method, path, json.dumps(body),
                         {"Content-Type": "application/json", **headers})
            resp = conn.getresponse()
            resp.read()
        except OSError:
            return  # the server is gone; anything unanswered counts as not acknowledged
        except http.client.HTTPException:
            return
        if 200 <= resp.status < 300:
            acked.append((method, body))


def test_acknowledged_writes_survive_sigkill(herd_server, any_db):
    """On SQLite and on PostgreSQL: a write answered is committed."""
    db = any_db
    server = herd_server(db)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    json_headers = {"Content-Type": "application/json", **server.headers}
    conn.request("POST", "/api/boards", json.dumps({"name": "burst"}), json_headers)
    board = json.loads(conn.getresponse().read())["id"]
    ops = [{"op": "create", "kind": "note", "id": f"mover{k}", "fields": {"text": "m"}}
           for k in range(WRITERS)]
    conn.request("POST", f"/api/boards/{board}/ops", json.dumps({"ops": ops}), json_headers)
    assert conn.getresponse().read()
    conn.close()

    acked: list[list] = [[] for _ in range(WRITERS)]
    stop = threading.Event()
    threads = [threading.Thread(target=writer,
                                args=(server.port, server.headers, board, k, acked[k], stop))
               for k in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    server.kill()  # SIGKILL, mid-burst
    stop.set()
    for t in threads:
        t.join(timeout=10)
    total = sum(len(a) for a in acked)
    assert total > 50, "the burst was too small to prove anything"
    print(f"{total} acknowledged writes before SIGKILL")

    again = herd_server(db)
    conn = http.client.HTTPConnection("127.0.0.1", again.port, timeout=5)
    conn.request("GET", f"/api/boards/{board}", headers=again.headers)
    snap = json.loads(conn.getresponse().read())
    conn.close()
    notes = {n["id"]: n for n in snap["notes"]}
    for k in range(WRITERS):
        created = [b["id"] for m, b in acked[k] if m == "POST"]
        lost = [i for i in created if i not in notes]
        assert not lost, f"acknowledged creates lost: {lost[:5]}"
        moves = [b["x"] for m, b in acked[k] if m == "PATCH"]
        if moves:
            # Each writer waits for an answer before its next write, so its last
            # acknowledged move is the newest one the store may hold (one unanswered
            # write may have landed too).
            assert notes[f"mover{k}"]["x"] >= moves[-1]
            assert notes[f"mover{k}"]["version"] >= 1 + len(moves)
    # The event log is intact too: a client that saw seq 1 can catch up.
    assert snap["seq"] >= 1 + total
