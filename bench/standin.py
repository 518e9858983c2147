"""A stand-in `.llamafile`: a script that runs the bundled llama-server with one GGUF inside.

llamafile 0.10 is llama-server underneath; the script maps its flags (`--server`,
`--nobrowser`, `--embedding`) onto llama-server's, as that release does.
"""

from __future__ import annotations

from pathlib import Path


def write(path: Path, server: Path, gguf: Path) -> Path:
    """Write an executable stand-in at `path` serving `gguf` with `server`; returns `path`."""
    path.write_text(
        "#!/bin/sh\n"
        "set --  \"$@\" END\n"
        "while [ \"$1\" != END ]; do\n"
        "  case \"$1\" in\n"
        "    --server|--nobrowser) ;;\n"
        "    --embedding) set -- \"$@\" --embeddings ;;\n"
        "    *) set -- \"$@\" \"$1\" ;;\n"
        "  esac\n"
        "  shift\n"
        "done\n"
        "shift\n"
        f'exec "{server}" -m "{gguf}" -t 1 --poll 0 -c 4096 -np 2 --no-webui "$@"\n'
    )
    path.chmod(0o755)
    return path
