"""The OpenAPI 3.1 document of every /api route (docs/api.md in machine-readable form).

Numbers, ids and text limits come from the modules that enforce them (store.validate,
strictjson, the app's config), so the contract cannot drift from the checks. A test walks
app.url_map and fails on a route missing here or listed here but not served.
"""

from __future__ import annotations

from typing import Any

from ..store import validate as v
from ..store.ops import MAX_OPS
from ..store.votes import PER_PERSON
from .common import MAX_NAME

JSON = "application/json"
Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def num(rng: v.Range) -> Schema:
    return {"type": "number", "minimum": rng.lo, "maximum": rng.hi}


def obj(props: dict[str, Schema], required: tuple[str, ...] = (), extra: bool = True) -> Schema:
    out: Schema = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    if not extra:
        out["additionalProperties"] = False
    return out


def whole(rng: v.Range) -> Schema:
    return {"type": "integer", "minimum": rng.lo, "maximum": rng.hi}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def op_variant(action: str, kind: str, fields: str | None, id_required: bool) -> Schema:
    """One shape of Op: an action on a kind, with the fields that kind takes."""
    props: dict[str, Schema] = {"op": {"const": action}, "kind": {"const": kind},
                                "id": ref("Id") if id_required else nullable(ref("Id")),
                                "version": nullable(ref("Version"))}
    if fields:
        props["fields"] = ref(fields)
    required = ("op", "kind", "id") if id_required else ("op", "kind")
    if action == "update":
        props["fields"] = nullable(props["fields"])  # no fields: a version bump
    return obj(props, required + (("fields",) if action == "create" else ()), extra=False)


def schemas(limits: v.Limits) -> dict[str, Schema]:
    """The shared schemas: objects the API answers with and the bodies it takes."""
    text = {"type": "string", "maxLength": limits.note_chars}
    title = {"type": "string", "maxLength": limits.title_chars}
    time = {"type": "string", "description": "ISO-8601 UTC"}
    box = {k: num(r) for k, r in v.BOX.items()}
    note_fields = {"text": text, **box, "color": {"enum": list(v.COLORS)},
                   "group_id": nullable(ref("Id")),
                   # The doubt mark: the group an Organize or sort found almost as good.
                   "runner_up": nullable(ref("Id"))}
    group_fields = {"title": title, **box, "origin": {"enum": list(v.ORIGINS)},
                    "note_ids": {"type": "array", "items": ref("Id")}}
    rows = {"board_id": ref("Id"), "version": ref("Version"), "created_at": time,
            "updated_at": time}
    # Read-only fields a client may send back as it got them: ignored, whatever they hold.
    ignored = {k: {"description": "read-only: ignored"} for k in sorted(v.READ_ONLY)}

    def fields(base: dict[str, Schema], required: tuple[str, ...] = (),
               **own: Schema) -> Schema:
        return obj({**base, **ignored, **own}, required, extra=False)
    return {
        "Id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "Version": whole(v.VERSION),
        "Error": obj({"error": obj({
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "details": {},
        }, ("status", "code", "message"), extra=False)}, ("error",), extra=False),
        "Board": obj({"id": ref("Id"), "name": {"type": "string"},
                      "note_count": {"type": "integer"}, "created_at": time, "updated_at": time},
                     ("id", "name", "note_count", "created_at", "updated_at")),
        # author: the writer's name, null unless the board shows authors or you run it;
        # hidden: written in private mode; face_down: hidden from you (text is then "").
        "Note": obj({"id": ref("Id"), **note_fields, **rows,
                     "author": nullable({"type": "string"}), "hidden": {"type": "boolean"},
                     "face_down": {"type": "boolean"}},
                    ("id", "text", "x", "y", "w", "h", "color", "group_id", "version")),
        "Group": obj({"id": ref("Id"), **{k: s for k, s in group_fields.items()
                                         if k != "note_ids"}, **rows},
                     ("id", "title", "x", "y", "w", "h", "origin", "version")),
        # POST bodies may choose the id; PATCH bodies carry the version the client saw; an
        # op's fields do neither (its id and version sit beside them).
        "NotePost": fields(note_fields, ("text",), id=nullable(ref("Id"))),
        "NotePatch": fields(note_fields, version=nullable(ref("Version"))),
        "NoteOpCreate": fields(note_fields, ("text",)),
        "NoteOpUpdate": fields(note_fields),
        "GroupPost": fields(group_fields, id=nullable(ref("Id"))),
        "GroupPatch": fields(group_fields, version=nullable(ref("Version"))),
        "GroupOp": fields(group_fields),
        "Op": {"anyOf": [op_variant("create", "note", "NoteOpCreate", False),
                         op_variant("create", "group", "GroupOp", False),
                         op_variant("update", "note", "NoteOpUpdate", True),
                         op_variant("update", "group", "GroupOp", True),
                         op_variant("delete", "note", None, True),
                         op_variant("delete", "group", None, True)]},
        "Results": obj({"results": {"type": "array"}, "seq": {"type": "integer"}},
                       ("results", "seq")),
        "Snapshot": obj({"board": ref("Board"), "notes": {"type": "array", "items": ref("Note")},
                         "groups": {"type": "array", "items": ref("Group")},
                         "seq": {"type": "integer"}, "locks": ref("Locks"),
                         "modes": ref("Modes"),
                         "vote": nullable(ref("Vote")),
                         "template": nullable(obj({"id": {"type": "string"},
                                                   "timer_seconds": nullable(
                                                       {"type": "integer"})}, ("id",)))},
                        ("board", "notes", "groups", "seq")),
        "Modes": obj({"private": {"type": "boolean"}, "show_authors": {"type": "boolean"},
                      "version": {"type": "integer"}}, ("private", "show_authors", "version")),
        "View": obj(box, tuple(v.BOX), extra=False),
        "Name": {"type": "string", "maxLength": MAX_NAME},
        "Job": obj({"id": {"type": "string"}, "board_id": ref("Id"),
                    "state": {"enum": ["running", "preview", "done", "failed", "cancelled"]},
                    "stage": nullable({"type": "string"}), "done": {"type": "integer"},
                    "total": {"type": "integer"}, "message": nullable({"type": "string"}),
                    "undoable": {"type": "boolean"},
                    "queue": nullable(obj({"place": {"type": "integer"},
                                           "ahead": {"type": "integer"}},
                                          ("place", "ahead")))}, ("id", "board_id", "state")),
        "Locks": obj({"board": {"type": "boolean"},
                      "notes": {"type": "array", "items": {"type": "string"}},
                      "groups": {"type": "array", "items": {"type": "string"}}},
                     ("board", "notes", "groups")),
        "Vote": obj({"id": {"type": "string"}, "status": {"enum": ["running", "ended"]},
                     "version": {"type": "integer"}, "per_person": whole(PER_PERSON),
                     "one_per_note": {"type": "boolean"},
                     "note_ids": nullable({"type": "array", "items": {"type": "string"}}),
                     "seconds": nullable({"type": "number"}),
                     "remaining": nullable({"type": "number"}),
                     "started_at": {"type": "string"}, "ended_at": nullable({"type": "string"}),
                     "mine": {"type": "object", "additionalProperties": {"type": "integer"}},
                     "left": nullable({"type": "integer"}),
                     "totals": nullable({"type": "object",
                                         "additionalProperties": {"type": "integer"}})},
                    ("id", "status", "per_person", "one_per_note", "totals")),
        "Timer": nullable(obj({"seconds": {"type": "number"}, "remaining": {"type": "number"},
                               "by": {"type": "string"}, "name": {"type": "string"}},
                              ("seconds", "remaining"))),
        "Export": {"type": "object", "description": "a Herd JSON export (docs/export.md)",
                   "required": ["format", "format_version", "board", "notes"],
                   "properties": {"format": {"const": "herd-board"},
                                  "format_version": {"const": 1}}},
    }


def body(schema: Schema, required: bool = True) -> Schema:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def answer(status: int, schema: Schema | None = None, media: str = JSON) -> dict[str, Any]:
    out: dict[str, Any] = {"description": f"{status}"}
    if schema is not None:
        out["content"] = {media: {"schema": schema}}
    return {str(status): out}


def errors(*statuses: int) -> dict[str, Any]:
    """Error answers, each in the one error shape; the gate's (400 Host, 401, 403, 429) and
    404 come with every route."""
    return {str(s): {"$ref": "#/components/responses/Error"}
            for s in sorted({400, 401, 403, 404, 429, *statuses})}


def op(summary: str, responses: dict[str, Any], request: Schema | None = None,
       params: list[Schema] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": summary, "responses": responses}
    if request is not None:
        out["requestBody"] = request
    if params:
        out["parameters"] = params
    return out


def path_param(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": ref("Id")}


def query(name: str, schema: Schema, description: str = "") -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


CLIENT = {"$ref": "#/components/parameters/Client"}
TAB = {"$ref": "#/components/parameters/Tab"}


def paths() -> dict[str, Any]:
    """Every route: {path: {method: operation}}."""
    b = "/api/boards/{board_id}"
    board = [path_param("board_id")]
    stop = obj({"stop": {"const": True}}, ("stop",), extra=False)
    name = ref("Name")
    sel = {"type": "array", "items": {"type": "string", "pattern": "^(note|group):",
                                      "maxLength": 100}}
    views = {
        "/api/ai": {"get": op("AI status", {**answer(200, {"type": "object"}), **errors()})},
        "/api/openapi.json": {"get": {**op("This document", {**answer(200, {"type": "object"}),
                                                             **errors()}), "security": [{}]}},
        "/api/boards": {
            "get": op("Every board, newest change first",
                      {**answer(200, obj({"boards": {"type": "array", "items": ref("Board")}},
                                         ("boards",))), **errors()}),
            "post": op("A new board", {**answer(201, ref("Board")), **errors(413)},
                       body(obj({"name": nullable(ref("BoardName")),
                                 "template": nullable({"type": "string", "maxLength": 40,
                                                       "description": "a template id, "
                                                       "GET /api/templates"})}, extra=False),
                            required=False), [CLIENT]),
        },
        "/api/templates": {
            "get": op("The templates a new board can start from", {**answer(200, obj(
                {"templates": {"type": "array", "items": obj(
                    {"id": {"type": "string"}, "name": {"type": "string"},
                     "description": {"type": "string"},
                     "timer_seconds": nullable({"type": "integer"}),
                     "frames": {"type": "array", "items": {"type": "string"}}},
                    ("id", "name", "frames"))}}, ("templates",))), **errors()}),
        },
        "/api/boards/import": {
            "post": op("A new board from a JSON export", {**answer(201, ref("Board")),
                                                          **errors(413)},
                       body(ref("Export")), [CLIENT]),
        },
        b: {
            "get": op("The board, its notes and groups, and seq",
                      {**answer(200, ref("Snapshot")), **errors()}, params=board),
            "patch": op("Rename", {**answer(200, ref("Board")), **errors(413)},
                        body(obj({"name": ref("BoardName")}, ("name",), extra=False)),
                        board + [CLIENT]),
            "delete": op("Delete the board", {**answer(204), **errors()}, params=board),
        },
        b + "/ops": {
            "post": op("A batch of ops, all or nothing", {**answer(200, ref("Results")),
                                                          **errors(409, 413)},
                       body(obj({"ops": {"type": "array", "items": ref("Op"),
                                         "maxItems": MAX_OPS}}, ("ops",), extra=False)),
                       board + [CLIENT]),
        },
        b + "/events": {
            "get": op("Live events (text/event-stream)", {
                **answer(200, {"type": "string"}, "text/event-stream"), **errors()},
                params=board + [
                    query("after", {"type": "integer", "minimum": 0}, "seq already seen"),
                    query("who", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                          "this browser, for presence"),
                    query("max_events", {"type": "integer", "minimum": 1},
                          "end after N messages"),
                    {"name": "Last-Event-ID", "in": "header", "required": False,
                     "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"}}]),
        },
        b + "/socket": {
            # A WebSocket: what goes over it is in docs/api.md ("The board socket"). Without
            # the upgrade it answers 400.
            "get": op("WebSocket taking batches of ops as POST .../ops does, answered in order",
                      {"101": {"description": "switching protocols"}, **errors()},
                      params=board + [query("client", {"type": "string",
                                                       "pattern": "^[A-Za-z0-9_:@.-]{1,64}$"},
                                            "this tab, as X-Herd-Client names it")]),
        },
        b + "/export": {
            "get": op("The board as a file", {"200": {"description": "the file", "content": {
                **{m: {"schema": {"type": "string"}} for m in (
                    "text/markdown", "text/csv", "image/svg+xml", "image/png")},
                JSON: {"schema": ref("Export")}}},
                **errors()}, params=board + [
                    query("format", {"enum": ["md", "csv", "json", "svg", "png"]}),
                    query("view", {"type": "string"}, "x,y,w,h: a board rect (svg, png)")]),
        },
        b + "/import-text": {
            "post": op("One note per line", {**answer(200, ref("Results")), **errors(413)},
                       body(obj({"text": {"type": "string"}, "x": num(v.COORD),
                                 "y": num(v.COORD)}, ("text",), extra=False)),
                       board + [CLIENT]),
        },
        b + "/cursor": {
            "post": op("This tab's pointer, selection or departure", {
                **answer(204), **errors(429)}, body({"anyOf": [
                    obj({"x": num(v.COORD), "y": num(v.COORD), "sel": sel, "name": name},
                        ("x", "y"), extra=False),
                    obj({"away": {"const": True}, "sel": sel, "name": name}, ("away",),
                        extra=False),
                    obj({"sel": sel, "name": name}, ("sel",), extra=False),
                    obj({"gone": {"const": True}}, ("gone",), extra=False)]}),
                board + [TAB]),
        },
        b + "/cursors": {
            "get": op("Everyone's pointers", {**answer(200, obj({"cursors": {"type": "object"}},
                                                                ("cursors",))), **errors()},
                      params=board),
        },
        b + "/spotlight": {
            "get": op("Who leads, and their view", {**answer(200, obj({"spotlight": nullable(
                {"type": "object"})}, ("spotlight",))), **errors()}, params=board),
            "post": op("Lead (or stop leading)", {**answer(204), **errors(409)},
                       body({"anyOf": [obj({"view": ref("View"), "name": ref("Name")},
                                           ("view",), extra=False), stop]}), board + [TAB]),
        },
        b + "/timer": {
            "get": op("The running timer", {**answer(200, obj({"timer": ref("Timer")},
                                                              ("timer",))), **errors()},
                      params=board),
            "post": op("Start, restart or stop", {**answer(200, obj({"timer": ref("Timer")},
                                                                    ("timer",))),
                                                  **errors(409)},
                       body({"anyOf": [obj({"seconds": num(v.SECONDS), "name": ref("Name")},
                                           ("seconds",), extra=False), stop]}),
                       board + [CLIENT]),
        },
        b + "/organize": {
            "post": op("Start an Organize", {**answer(202, obj({"job": ref("Job")}, ("job",))),
                                             **errors(409, 503)},
                       body(obj({"groups": nullable(whole(v.GROUP_COUNT)),
                                 "note_ids": nullable({"type": "array",
                                                       "items": {"type": "string"}}),
                                 "keep_groups": {"type": "boolean"},
                                 "unsorted": {"type": "boolean"},
                                 "preview": {"type": "boolean"},
                                 "view": nullable(ref("View"))}, extra=False), required=False),
                       board + [CLIENT]),
        },
        b + "/organize/sort": {
            "post": op("Sort the notes in no group into the groups that exist",
                       {**answer(202, obj({"job": ref("Job")}, ("job",))), **errors(409, 503)},
                       body(obj({"view": nullable(ref("View")), "preview": {"type": "boolean"}},
                                extra=False), required=False),
                       board + [CLIENT]),
        },
    }
    role = {"name": "role", "in": "path", "required": True,
            "schema": {"enum": ["facilitator", "editor", "viewer"]}}
    links = obj({r: {"type": "string"} for r in ("facilitator", "editor", "viewer")},
                ("facilitator", "editor", "viewer"))
    views["/api/health"] = {"get": {**op("Whether the server answers", {
        **answer(200, obj({"ok": {"const": True}}, ("ok",))), **errors()}), "security": [{}]}}
    views[b + "/links"] = {"get": op("The board's share links", {
        **answer(200, links), **errors()}, params=board)}
    views[b + "/links/{role}/rotate"] = {"post": op("A new secret for one link", {
        **answer(200, links), **errors()}, params=board + [role])}
    views[b + "/links/{role}/qr.svg"] = {"get": op("The link as a QR code", {
        **answer(200, {"type": "string"}, "image/svg+xml"), **errors()}, params=board + [role])}
    job = board + [path_param("job_id")]
    for suffix, summary in (("", "An Organize's progress"), ("/cancel", "Cancel it"),
                            ("/apply", "Write a previewed Organize"),
                            ("/undo", "Undo it, for everyone")):
        method = "get" if not suffix else "post"
        result = obj({"seq": {"type": "integer"}}, ("seq",)) if suffix == "/undo" else obj(
            {"job": ref("Job")}, ("job",))
        views[b + "/organize/{job_id}" + suffix] = {method: op(
            summary, {**answer(200, result), **errors(409, 503)},
            params=job + ([CLIENT] if suffix == "/undo" else []))}
    views[b + "/groups/{group_id}/suggest-title"] = {"post": op(
        "A fresh AI title for one group", {**answer(200, obj({"title": {"type": "string"}},
                                                             ("title",))), **errors(503)},
        params=board + [path_param("group_id")])}
    lock_body = body(obj({"board": {"const": True},
                          "note_ids": {"type": "array", "items": ref("Id")},
                          "group_ids": {"type": "array", "items": ref("Id")}}, extra=False))
    held = obj({"locks": ref("Locks"), "seq": {"type": "integer"}}, ("locks", "seq"))
    views[b + "/lock"] = {"post": op("Lock notes, groups or the board against editors' changes",
                                     {**answer(200, held), **errors(404)}, lock_body,
                                     board + [CLIENT])}
    views[b + "/unlock"] = {"post": op("Unlock them", {**answer(200, held), **errors()},
                                       lock_body, board + [CLIENT])}
    modes = obj({"modes": ref("Modes"), "seq": {"type": "integer"},
                 "revealed": {"type": "integer"}}, ("modes", "seq", "revealed"))
    views[b + "/modes"] = {"patch": op(
        "Private mode on (others' new notes face down) or off (reveal them); show authors",
        {**answer(200, modes), **errors()},
        body(obj({"private": {"type": "boolean"}, "show_authors": {"type": "boolean"}},
                 extra=False)), board + [CLIENT])}
    views[b + "/me"] = {"put": op(
        "The name your notes carry as their author on this board",
        {**answer(200, obj({"name": ref("Name"), "notes": {"type": "integer"},
                            "seq": {"type": "integer"}}, ("name", "notes", "seq"))),
         **errors()},
        body(obj({"name": ref("Name")}, ("name",), extra=False)), board + [CLIENT])}
    vote = obj({"vote": nullable(ref("Vote"))}, ("vote",))
    views[b + "/vote"] = {
        "get": op("The latest dot vote: your own dots while it runs, totals once it ends",
                  {**answer(200, vote), **errors()}, params=board),
        "post": op("Start a dot vote", {**answer(201, vote), **errors(404, 409)},
                   body(obj({"per_person": whole(PER_PERSON),
                             "one_per_note": {"type": "boolean"},
                             "note_ids": nullable({"type": "array", "items": ref("Id"),
                                                   "minItems": 1}),
                             "group_id": nullable(ref("Id")),
                             "seconds": nullable(num(v.SECONDS))}, extra=False),
                        required=False), board + [CLIENT]),
    }
    views[b + "/vote/end"] = {"post": op("End the running vote: totals for everyone", {
        **answer(200, vote), **errors(409)}, params=board + [CLIENT])}
    dot = obj({"vote_id": {"type": "string"}, "note_id": ref("Id"), "count": {
        "type": "integer"}, "left": {"type": "integer"}, "seq": {"type": "integer"},
        "version": {"type": "integer"}}, ("vote_id", "note_id", "count", "left", "seq"))
    views[b + "/vote/dots"] = {"post": op("One more of your dots on a note", {
        **answer(200, dot), **errors(404, 409)}, body(obj({"note_id": ref("Id"),
                                                            "vote_id": {"type": "string"}},
                                                           ("note_id",), extra=False)),
        board + [CLIENT])}
    views[b + "/vote/dots/{note_id}"] = {"delete": op("Take back one of your dots", {
        **answer(200, dot), **errors(409)}, params=board + [path_param("note_id"), CLIENT])}
    for kind, plural in (("Note", "notes"), ("Group", "groups")):
        item = board + [path_param("item_id")]
        views[f"{b}/{plural}"] = {"post": op(
            f"A new {kind.lower()}", {**answer(201, ref(kind)), **errors(409, 413)},
            body(ref(f"{kind}Post")), board + [CLIENT])}
        views[f"{b}/{plural}/{{item_id}}"] = {
            "patch": op(f"Change a {kind.lower()}; a stale version is 409",
                        {**answer(200, ref(kind)), **errors(409, 413)},
                        body(ref(f"{kind}Patch")),
                        item + [CLIENT]),
            "delete": op(f"Remove a {kind.lower()}", {**answer(204), **errors(409)},
                         params=item + [query("version", ref("Version"))] + [CLIENT]),
        }
    return views


def document(limits: v.Limits | None = None) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    limits = limits or v.Limits()
    comps = schemas(limits)
    comps["BoardName"] = {"type": "string", "maxLength": limits.title_chars}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Herd", "version": "1",
                 "description": "A sticky-note board that organizes itself (docs/api.md)."},
        # Scripts send the owner token (or a board link's secret); browsers a session cookie.
        "security": [{"ownerToken": []}],
        "paths": paths(),
        "components": {
            "schemas": comps,
            "responses": {"Error": {"description": "the one error shape",
                                    "content": {JSON: {"schema": ref("Error")}}}},
            "parameters": {
                "Client": {"name": "X-Herd-Client", "in": "header", "required": False,
                           "description": "a random id per tab; live events carry back its "
                           "first 64 characters", "schema": {"type": "string"}},
                "Tab": {"name": "X-Herd-Client", "in": "header", "required": True,
                        "description": "whose pointer or spotlight this is",
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_:@.-]{1,64}$"}},
            },
            "securitySchemes": {"ownerToken": {
                "type": "http", "scheme": "bearer",
                "description": "the owner token `herd serve` prints"}},
        },
    }
