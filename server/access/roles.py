"""Roles and what each may do: pure data, no I/O. The gate (gate.py) applies these."""

from __future__ import annotations

from dataclasses import dataclass, field

# Higher includes lower: a facilitator may do whatever an editor may, and so on.
RANK = {"viewer": 1, "editor": 2, "facilitator": 3, "owner": 4}

# What a route declares it does -> the least role that may do it.
ACTIONS = {
    "read": "viewer",        # see the board live, follow the spotlight, export
    "write": "editor",       # notes, groups, Organize, pointer
    "manage": "facilitator",  # rename, links, spotlight, timer: running the session
    "own": "owner",          # list, create, import, delete boards
}
# Routes that need no role: "signed_in" wants some credential (any board's link or the
# owner's), "public" none at all (the pages, static files, health, the API document).
OPEN = ("public", "signed_in")

CAN = {
    "owner": "everything on every board: list, create, import and delete boards",
    "facilitator": "everything on this board, including its share links, the timer and the "
                   "spotlight",
    "editor": "add, edit, move and group notes, run Organize, show their pointer",
    "viewer": "watch the board live, follow the spotlight and export it; writes nothing",
}


def allows(role: str | None, action: str) -> bool:
    """Whether `role` may do `action` (an ACTIONS key)."""
    return role is not None and RANK[role] >= RANK[ACTIONS[action]]


def best(roles: list[str]) -> str | None:
    """The highest of the roles, or None."""
    return max(roles, key=RANK.__getitem__) if roles else None


@dataclass
class Access:
    """Who is asking and what they may do: handed to the view by the gate (flask.g.access).

    `via` says how they proved it: "token" (the owner's Bearer token), "session" (a cookie
    from opening a link or the owner's link), "link" (a board link's secret as a Bearer
    token), or "" (nobody). `key` names the caller for limits: one per session or token."""

    role: str | None = None
    board_id: str | None = None
    via: str = ""
    key: str = ""
    owner: bool = False
    link_roles: dict[str, str] = field(default_factory=dict)  # role -> link fingerprint used

    def may(self, action: str) -> bool:
        return allows(self.role, action)

    def public(self) -> dict:
        """What the page is told about itself: its role and what that role may do."""
        role = self.role
        return {"role": role, "may": [a for a in ACTIONS if allows(role, a)],
                "can": CAN.get(role or "", "")}
