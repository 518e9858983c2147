"""GET /api/boards/{b}/export: every format as a download, errors in the one JSON shape."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from export_samples import TRICKY, make_board
from PIL import Image

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def bid(client):
    return make_board(client)


@pytest.mark.parametrize("fmt, mimetype", [
    ("md", "text/markdown; charset=utf-8"), ("csv", "text/csv; charset=utf-8"),
    ("json", "application/json"), ("svg", "image/svg+xml; charset=utf-8"),
    ("png", "image/png"),
])
def test_each_format_is_a_named_download(client, bid, fmt, mimetype):
    resp = client.get(f"/api/boards/{bid}/export?format={fmt}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == mimetype
    assert resp.headers["Content-Disposition"] == f'attachment; filename="Retro, week 47.{fmt}"'
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.data


def test_markdown_download(client, bid):
    md = client.get(f"/api/boards/{bid}/export?format=md").data.decode()
    assert md.startswith("# Top, renamed\n\n- Commas, commas, and more commas\n")
    assert md.index("# Later, lower group") < md.index("# Ungrouped")
    assert "- Party 🎉 time 👩‍👩‍👧 ok\n" in md and "- مرحبا بالعالم\n" in md


def test_csv_download_parses_back(client, bid):
    data = client.get(f"/api/boards/{bid}/export?format=csv").data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["group", "text", "colour", "x", "y", "created"]
    assert sorted(r[1] for r in rows[1:]) == sorted(TRICKY)
    assert rows[1][:5] == ["Top, renamed", TRICKY[0], "orange", "25", "40"]


def test_svg_download_is_xml_with_every_note(client, bid):
    root = ET.fromstring(client.get(f"/api/boards/{bid}/export?format=svg").data)
    assert root.tag == f"{SVG}svg"
    notes = root.findall(f".//{SVG}g[@class='note']")
    assert len(notes) == 8
    shown = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "<img src=x" in shown and "onerror=alert(1)>" in shown  # as text, never markup
    assert not list(root.iter(f"{SVG}img")) and not list(root.iter("img"))
    assert root.find(f"{SVG}title").text == "Retro, week 47"


def test_png_download_whole_board_and_view(client, bid):
    whole = Image.open(io.BytesIO(client.get(f"/api/boards/{bid}/export?format=png").data))
    # Content spans x 0..1060, y 0..820 (board units), plus a 40 margin, at 2 px per unit.
    assert whole.size == ((1060 + 80) * 2, (820 + 80) * 2)
    view = client.get(f"/api/boards/{bid}/export?format=png&view=0,0,300,200.5")
    assert Image.open(io.BytesIO(view.data)).size == (600, 401)
    svg = client.get(f"/api/boards/{bid}/export?format=svg&view=-10,-10,300,200").data
    assert b'viewBox="-10 -10 300 200"' in svg


def test_md_is_the_default_format(client, bid):
    resp = client.get(f"/api/boards/{bid}/export")
    assert resp.headers["Content-Disposition"].endswith('.md"')
    assert json.loads(client.get(f"/api/boards/{bid}/export?format=json").data)["notes"]


@pytest.mark.parametrize("query, status, words", [
    ("format=docx", 400, "use one of md, csv, json, svg, png"),
    ("format=png&view=1,2,3", 400, "x,y,w,h in board units, e.g. 0,0,1200,800"),
    ("format=png&view=0,0,0,10", 400, "'w' must be a finite number from 1 to 1,000,000"),
    ("format=svg&view=a,b,c,d", 400, "Bad view"),
    ("format=png&view=0,0,nan,10", 400, "'w' must be a finite number"),
    ("format=png&view=0,0,1e-300,1e-300", 400, "'w' must be a finite number from 1"),
    (f"format=svg&view={'9' * 400},0,10,10", 400, "'x' must be a finite number within"),
])
def test_bad_requests(client, bid, query, status, words):
    resp = client.get(f"/api/boards/{bid}/export?{query}")
    assert resp.status_code == status
    err = resp.get_json()["error"]
    assert err["status"] == status and words in err["message"]


def test_unknown_board_is_404_json(client):
    resp = client.get("/api/boards/nope/export?format=csv")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"


def test_unsafe_board_names_make_safe_file_names(client):
    bid = client.post("/api/boards", json={"name": 'a/b\\c:"d"?'}).get_json()["id"]
    disp = client.get(f"/api/boards/{bid}/export?format=md").headers["Content-Disposition"]
    assert disp == 'attachment; filename="a b c d.md"'
    bid = client.post("/api/boards", json={"name": "Ретро 🎉"}).get_json()["id"]
    disp = client.get(f"/api/boards/{bid}/export?format=md").headers["Content-Disposition"]
    assert "filename*=UTF-8''%D0%A0%D0%B5%D1%82%D1%80%D0%BE%20%F0%9F%8E%89.md" in disp
