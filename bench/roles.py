#!/usr/bin/env python3
"""One chat .llamafile for everything (before issue 14) vs each role its model (after).

Runs `herd organize DATASET --llamafile smol.llamafile` twice per dataset, with
`--embed-with llamafile` (the chat model embeds and names: the old behaviour) and without it
(the bundled MiniLM embeds, the chat model names), and prints score.py's figures for each.
The stand-in .llamafile wraps the bundled llama-server with SmolLM2 inside (bench/standin.py).

    .venv/bin/python bench/roles.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import standin  # noqa: E402
from bench.organize import DATASETS, load_score  # noqa: E402
from server import config as config_mod  # noqa: E402
from server.llamafile import models  # noqa: E402

WAYS = {"one chat llamafile for both (before)": ["--embed-with", "llamafile"],
        "split roles (after)": []}


def main() -> int:
    """Print one line of figures per dataset and way."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    score = load_score(args.shared)
    b = models.bundle(config_mod.load()["CACHE_DIR"])
    herd = [sys.executable, "-m", "server.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        smol = standin.write(Path(tmp) / "smol.llamafile", b.server, b.chat_model)
        for name in DATASETS:
            data = json.loads((args.shared / "datasets" / f"{name}.json").read_text())
            notes = Path(tmp) / f"{name}.txt"
            notes.write_text("\n".join(n["text"] for n in data["notes"]) + "\n")
            for way, flags in WAYS.items():
                out = subprocess.run([*herd, "organize", str(notes), "--llamafile", str(smol),
                                      "--json", *flags], cwd=ROOT, capture_output=True,
                                     text=True, check=True)
                result = json.loads(out.stdout)
                f = score({"groups": result["groups"]}, data)
                roles = result.get("roles") or {}
                print(f"{name:11} {way:38} ari {f['ari']:.3f}  label_good {f['label_good']:.3f}"
                      f"  groups {f['groups']}/{f['topics']}  embeds "
                      f"{(roles.get('embed') or {}).get('model')}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
