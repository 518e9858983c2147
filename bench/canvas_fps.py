"""Canvas smoothness with 1,000 notes: frames per second in Chromium while panning and dragging.

Starts `herd serve --no-ai` on a temporary database, makes a board of 1,000 notes in 10 groups,
opens it in headless Chromium (Debian's, --disable-gpu, so software compositing: a floor, not
a best case), drives real mouse input through Playwright for a few seconds per scenario and
counts requestAnimationFrame callbacks in the page. Prints fps and the slowest frames.

    .venv/bin/python bench/canvas_fps.py [--seconds 4] [--notes 1000]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
COLORS = ["yellow", "orange", "pink", "purple", "blue", "green", "gray", "white"]

FRAME_PROBE = """() => {
  window.__frames = [];
  window.__probe = true;
  const tick = (t) => {
    if (!window.__probe) return;
    window.__frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
STATE = """() => JSON.stringify([herd.view, herd.model.notes.get('n12'),
  herd.model.notes.get('n500')])"""
FRAME_STOP = """() => {
  window.__probe = false;
  const f = window.__frames, d = [];
  for (let i = 1; i < f.length; i++) d.push(f[i] - f[i - 1]);
  d.sort((a, b) => a - b);
  const secs = (f[f.length - 1] - f[0]) / 1000;
  return {frames: f.length, secs, fps: (f.length - 1) / secs,
          p95: d[Math.floor(d.length * 0.95)] || 0, worst: d[d.length - 1] || 0};
}"""


def _api(base: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_board(base: str, n: int) -> str:
    """A board of n notes in a grid, grouped in frames of 100 like a real workshop board."""
    b = _api(base, "POST", "/api/boards", {"name": f"{n} notes"})["id"]
    ops, per_row, gw = [], 10, 10 * 180 + 40
    for g in range((n + 99) // 100):
        gx, gy = (g % 4) * (gw + 120), (g // 4) * (10 * 140 + 160)
        ops.append({"op": "create", "kind": "group", "id": f"g{g}",
                    "fields": {"title": f"Group {g + 1}", "x": gx, "y": gy, "w": gw,
                               "h": 10 * 140 + 40}})
        for i in range(min(100, n - g * 100)):
            k = g * 100 + i
            ops.append({"op": "create", "kind": "note", "id": f"n{k}", "fields": {
                "text": f"Idea number {k}: something worth discussing",
                "x": gx + 20 + (i % per_row) * 180, "y": gy + 20 + (i // per_row) * 140,
                "color": COLORS[k % len(COLORS)], "group_id": f"g{g}"}})
    for i in range(0, len(ops), 500):
        _api(base, "POST", f"/api/boards/{b}/ops", {"ops": ops[i:i + 500]})
    return b


def measure(page, seconds: float, step) -> dict:
    """Run `step(i)` (one input event) repeatedly for `seconds` while counting frames."""
    page.evaluate(FRAME_PROBE)
    t0, i = time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        step(i)
        i += 1
    out = page.evaluate(FRAME_STOP)
    out["inputs_per_s"] = i / seconds
    return out


def circle(cx: float, cy: float, r: float, i: int) -> tuple[float, float]:
    import math

    a = i * 0.15
    return cx + r * math.cos(a), cy + r * math.sin(a)


def run(seconds: float, n: int, extra_css: str | None = None) -> None:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        exe = ROOT / ".venv" / "bin" / "herd"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "server.cli"]
        proc = subprocess.Popen([*cmd, "serve", "--no-ai", "--db", f"{tmp}/bench.db",
                                 "--port", str(port)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    _api(base, "GET", "/api/boards")
                    break
                except OSError:
                    time.sleep(0.1)
            board = make_board(base, n)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                            args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"{base}/b/{board}")
                page.wait_for_function(f"window.herd?.model?.notes.size === {n}")
                if extra_css:  # try a styling idea against the same scenarios
                    page.add_style_tag(content=extra_css)
                page.wait_for_function("window.herd.connection === 'live'")
                results = {}
                mouse = page.mouse

                def drag_scenario(name, start, setup=None, modifiers=()):
                    if setup:
                        setup()
                    x0, y0 = start()
                    mouse.move(x0, y0)
                    before = page.evaluate(STATE)
                    for m in modifiers:
                        page.keyboard.down(m)
                    mouse.down()
                    results[name] = measure(page, seconds,
                                            lambda i: mouse.move(*circle(x0, y0, 120, i)))
                    mouse.up()
                    for m in modifiers:
                        page.keyboard.up(m)
                    page.wait_for_function("!window.herd.busy()")
                    # A scenario that moved nothing would measure an idle page.
                    assert page.evaluate(STATE) != before, f"{name}: nothing moved"

                def at_100():
                    page.evaluate("window.herd.setView({tx: -200, ty: -100, zoom: 1})")
                    page.evaluate("window.herd.clearSelection()")

                def note_center(sel):
                    def f():
                        b = page.locator(sel).bounding_box()
                        return b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
                    return f

                at_100()
                visible = page.evaluate("""() => { const r = herd.visibleRect(); let c = 0;
                  for (const n of herd.model.notes.values()) if (n.x < r.x + r.w && n.x + n.w > r.x
                    && n.y < r.y + r.h && n.y + n.h > r.y) c++; return c; }""")
                drag_scenario("pan (space+drag), 100% zoom", lambda: (640, 400), at_100, ("Space",))
                drag_scenario("drag 1 note, 100%", note_center(".note[data-id='n12']"), at_100)

                def select_100():
                    at_100()
                    page.evaluate("herd.select([...Array(100).keys()].map(i => 'note:n' + i))")
                drag_scenario("drag 100 selected notes", note_center(".note[data-id='n12']"),
                              select_100)

                def fit_all():
                    page.evaluate("window.herd.fit(); window.herd.clearSelection()")
                drag_scenario("pan (space+drag), all 1,000 visible", lambda: (640, 400), fit_all,
                              ("Space",))
                drag_scenario("drag a group of 100, all visible",
                              note_center(".frame[data-id='g5'] .frame-title"), fit_all)
                page.evaluate("window.herd.setView({tx: -200, ty: -100, zoom: 1})")
                page.mouse.move(640, 400)
                results["ctrl+wheel zoom"] = measure(
                    page, seconds, lambda i: (page.keyboard.down("Control"),
                                              page.mouse.wheel(0, 40 if (i // 20) % 2 else -40),
                                              page.keyboard.up("Control")))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    print(f"Canvas smoothness: {n} notes in {(n + 99) // 100} groups, 1280x800, headless "
          f"Chromium with --disable-gpu (software compositing); {visible} notes on screen at 100%")
    print(f"{'scenario':34} {'fps':>6} {'p95 frame ms':>13} {'worst ms':>9} {'inputs/s':>9}")
    for name, r in results.items():
        print(f"{name:34} {r['fps']:6.1f} {r['p95']:13.1f} {r['worst']:9.1f} "
              f"{r['inputs_per_s']:9.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--extra-css", help="CSS added to the page, to compare a styling idea")
    args = ap.parse_args()
    run(args.seconds, args.notes, args.extra_css)


if __name__ == "__main__":
    main()
