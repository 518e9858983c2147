"""Export a board as a download, import a JSON export as a new board, import a text list."""

from __future__ import annotations

import io
import math
from typing import Any

from flask import Blueprint, current_app, request, send_file
from werkzeug.exceptions import RequestEntityTooLarge

from ..access import allow
from ..errors import Invalid, TooLarge
from ..export import jsonfile, restore, textimport
from ..export.formats import FORMATS, filename, render
from ..export.layout import parse_view
from ..privacy import view_snapshot
from ..store import get_store
from ..store.validate import number
from .common import client_id, json_body
from .private import apply_for_caller, caller_viewer

bp = Blueprint("export", __name__)

# An export of a full board (5,000 notes) can pass the app-wide 1 MB body limit, so this
# one route takes more. Override with the MAX_IMPORT_BYTES setting.
MAX_IMPORT_BYTES = 32 * 1024 * 1024
# The file as the body, as a form upload (curl -F file=@board.json), or as curl -d sends it.
IMPORT_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")


@bp.get("/boards/<board_id>/export")
@allow("read")
def export_board(board_id: str):
    """The board as a file download: ?format=md|csv|json|svg|png[&view=x,y,w,h]."""
    extra = set(request.args) - {"format", "view"}
    if extra:
        raise Invalid(f"Unknown export option(s) {', '.join(sorted(extra))}: give format and, "
                      "for svg/png, view.")
    fmt = request.args.get("format", "md")
    if fmt not in FORMATS:
        raise Invalid(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    view = parse_view(request.args["view"]) if request.args.get("view") else None
    store = get_store()
    # Ended votes only: a running vote's dots are nobody's to read yet, viewers included.
    snapshot = {**store.snapshot(board_id), "votes": store.vote_export(board_id)}
    # Others' hidden notes: face-down cards in a picture (as the board shows them), left out
    # of the text formats (an empty note there would read as one). Authors as on the board.
    snapshot = view_snapshot(snapshot, caller_viewer(board_id),
                             face_down=fmt in ("svg", "png"))
    data = render(snapshot, fmt, view)
    resp = send_file(io.BytesIO(data), mimetype=FORMATS[fmt].mimetype, as_attachment=True,
                     download_name=filename(snapshot["board"]["name"], fmt), max_age=0)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _import_limit() -> int:
    return int(current_app.config.get("MAX_IMPORT_BYTES") or MAX_IMPORT_BYTES)


def _upload() -> bytes:
    """The uploaded export: a raw body, or the first file of a multipart form."""
    limit = _import_limit()
    request.max_content_length = limit
    try:
        if request.mimetype == "multipart/form-data":  # curl -F file=@board.json
            upload = next(iter(request.files.values()), None)
            return upload.read() if upload is not None else b""
        # Read the raw body whatever its type: `curl -d @board.json` says it is a form.
        return request.get_data(cache=False, parse_form_data=False)
    except RequestEntityTooLarge:
        size = request.content_length
        got = f"The file is {size / 1e6:,.1f} MB; " if size else "The file is too large; "
        raise TooLarge(got + f"import takes up to {math.floor(limit / 2**20)} MB. Nothing "
                                  "was created.") from None


@bp.post("/boards/import")
@allow("own", content=IMPORT_TYPES)
def import_board():
    """A new board recreated from a JSON export (ids, positions, colours, versions)."""
    raw = _upload()
    if not raw.strip():
        raise Invalid("Send a Herd .json export as the request body.")
    cfg = current_app.config
    clean = jsonfile.validate(jsonfile.parse(raw), max_notes=int(cfg["MAX_NOTES_PER_BOARD"]),
                              max_note_chars=int(cfg["MAX_NOTE_CHARS"]),
                              max_title_chars=int(cfg["MAX_TITLE_CHARS"]))
    return restore.restore(get_store(), clean, client=client_id()), 201


@bp.post("/boards/<board_id>/import-text")
@allow("write")
def import_text(board_id: str):
    """One note per line of {"text"}, in a grid centred on {"x", "y"} or under the board."""
    body = json_body()
    text = body.get("text")
    if not isinstance(text, str):
        raise Invalid('Send {"text": "..."} with one idea per line.')
    at = _point(body)
    store = get_store()
    ops = textimport.text_ops(text, store.snapshot(board_id), at)
    if not ops:
        raise Invalid("The text has no ideas in it: put one idea on each line.")
    return apply_for_caller(board_id, ops)


def _point(body: dict[str, Any]) -> tuple[float, float] | None:
    """The optional centre point {"x", "y"} of the imported grid."""
    if body.get("x") is None and body.get("y") is None:
        return None
    return number("x", body.get("x"), "import"), number("y", body.get("y"), "import")
