"""Export a board to Markdown, CSV, JSON, SVG or PNG, and import JSON or plain-text lists.

Formatters are pure functions of a board snapshot ({"board", "notes", "groups", "seq"});
the API route and the `herd export` command do the I/O.
"""
