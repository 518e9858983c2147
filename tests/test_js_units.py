"""Run the front end's pure-module unit tests (node:test) as part of the pytest suite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JS_TESTS = ROOT / "static" / "js" / "tests"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_js_units() -> None:
    """geometry.js, state.js and textlist.js pass their node:test suites."""
    files = sorted(str(p) for p in JS_TESTS.glob("*.test.mjs"))
    assert files, "no JS unit tests found"
    proc = subprocess.run(
        ["node", "--test", *files], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
