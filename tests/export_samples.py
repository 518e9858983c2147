"""A sample board for the export and import tests: notes that break naive formatters."""

from __future__ import annotations

from typing import Any

TRICKY = [
    "Commas, commas, and more commas",
    'She said "quote me" and left',
    "First line\nsecond line\n\nfourth line after a blank",
    "Party 🎉 time 👩‍👩‍👧 ok",
    "שלום עולם",
    "مرحبا بالعالم",
    "<img src=x onerror=alert(1)> & friends",
    "Windows\r\nline ends",
]

T0 = "2026-11-23T10:00:00.000Z"


def note(nid: str, text: str, x: float, y: float, group_id: str | None = None,
         color: str = "yellow", version: int = 1) -> dict[str, Any]:
    """A Note as the API shows it."""
    return {"id": nid, "board_id": "b1", "text": text, "x": x, "y": y, "w": 160.0, "h": 120.0,
            "color": color, "group_id": group_id, "version": version, "created_at": T0,
            "updated_at": T0}


def group(gid: str, title: str, x: float, y: float, w: float = 560.0,
          h: float = 320.0) -> dict[str, Any]:
    """A Group as the API shows it."""
    return {"id": gid, "board_id": "b1", "title": title, "x": x, "y": y, "w": w, "h": h,
            "version": 2, "created_at": T0, "updated_at": T0}


def sample_snapshot() -> dict[str, Any]:
    """Two groups (the lower one created first), grouped notes and ungrouped ones."""
    groups = [group("g2", "Later, lower group", 0, 500), group("g1", 'Top "group"', 0, 0)]
    notes = [
        note("n1", TRICKY[0], 20, 40, "g1", "pink", 3),
        note("n2", TRICKY[1], 200, 42, "g1", "blue"),
        note("n3", TRICKY[2], 20, 200, "g1"),
        note("n4", TRICKY[3], 20, 540, "g2", "green"),
        note("n5", TRICKY[4], 700, 0),
        note("n6", TRICKY[5], 700, 200, color="purple"),
        note("n7", TRICKY[6], 900, 0, "missing-group"),
        note("n8", TRICKY[7], 900, 200, color="white"),
    ]
    board = {"id": "b1", "name": "Retro, week 47", "note_count": len(notes),
             "created_at": T0, "updated_at": T0}
    return {"board": board, "notes": notes, "groups": groups, "seq": 12}


def make_board(client: Any, name: str = "Retro, week 47") -> str:
    """A board built through the API like the sample: groups, tricky notes, edited rows."""
    bid = client.post("/api/boards", json={"name": name}).get_json()["id"]
    snap = sample_snapshot()
    ops = [{"op": "create", "kind": "group", "id": g["id"],
            "fields": {k: g[k] for k in ("title", "x", "y", "w", "h")}} for g in snap["groups"]]
    for n in snap["notes"]:
        fields = {k: n[k] for k in ("text", "x", "y", "w", "h", "color", "group_id")}
        if fields["group_id"] == "missing-group":
            fields["group_id"] = None
        ops.append({"op": "create", "kind": "note", "id": n["id"], "fields": fields})
    # A few edits so versions differ from 1 (an export must carry them).
    ops += [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 25}},
            {"op": "update", "kind": "note", "id": "n1", "fields": {"color": "orange"}},
            {"op": "update", "kind": "group", "id": "g1", "fields": {"title": "Top, renamed"}}]
    resp = client.post(f"/api/boards/{bid}/ops", json={"ops": ops})
    assert resp.status_code == 200, resp.get_json()
    return bid
