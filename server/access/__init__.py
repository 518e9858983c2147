"""Access: who is asking, what their role may do, on which board. One gate (gate.py) for
every route; roles in roles.py; share links and session cookies in identify.py/sessions.py."""

from .gate import (
    allow,
    get_access,
    get_socket_slots,
    get_stream_slots,
    init_app,
    policy_of,
    readmit,
)
from .roles import CAN, RANK, Access

__all__ = ["CAN", "RANK", "Access", "allow", "get_access", "get_socket_slots", "get_stream_slots",
           "init_app", "policy_of", "readmit"]
