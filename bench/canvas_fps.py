"""Canvas smoothness with 1,000 notes: frames per second in Chromium while panning and dragging.

Starts `herd serve --no-ai` on a temporary database, makes a board of 1,000 notes in 10 groups,
opens it in headless Chromium (Debian's, --disable-gpu, so software compositing: a floor, not
a best case), drives real mouse input through Playwright for a few seconds per scenario and
counts requestAnimationFrame callbacks in the page. Prints fps and the slowest frames.

    .venv/bin/python bench/canvas_fps.py [--seconds 4] [--notes 1000] [--peers 20]

With --peers N, every scenario runs twice in the same page: alone, then while N other people's
pointers move about the board (each posting its position 10 times a second, as a browser
does), so the cost of drawing a room of pointers shows beside its own baseline.
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import subprocess
import sys
import tempfile
import threading
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


OWNER: dict[str, str] = {}  # the Authorization header, once the server has made its token


def _api(base: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", **OWNER})
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
    a = i * 0.15
    return cx + r * math.cos(a), cy + r * math.sin(a)


class Peers(threading.Thread):
    """N other people's pointers wandering over the board, 10 positions a second each."""

    def __init__(self, base: str, board: str, n: int) -> None:
        super().__init__(daemon=True)
        self.base, self.board, self.n = base, board, n
        self.stop = threading.Event()

    def run(self) -> None:
        import http.client
        import urllib.parse

        u = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        tick = 0
        while not self.stop.is_set():
            t0 = time.monotonic()
            for k in range(self.n):
                x = 600 + 500 * math.cos(tick * 0.05 + k)
                y = 400 + 300 * math.sin(tick * 0.07 + 2 * k)
                conn.request("POST", f"/api/boards/{self.board}/cursor",
                             json.dumps({"x": x, "y": y, "name": f"Peer {k}"}),
                             {"Content-Type": "application/json", "X-Herd-Client": f"peer{k}",
                              **OWNER})
                conn.getresponse().read()
            tick += 1
            self.stop.wait(max(0.0, 0.1 - (time.monotonic() - t0)))
        conn.close()


def run(seconds: float, n: int, extra_css: str | None = None, peers: int = 0) -> None:
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
                    _api(base, "GET", "/api/health")
                    break
                except OSError:
                    time.sleep(0.1)
            from server.store import Store

            token = Store(f"{tmp}/bench.db").secret("owner")
            OWNER["Authorization"] = f"Bearer {token}"
            board = make_board(base, n)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                            args=CHROMIUM_ARGS)
                # bypass_csp: wait_for_function's string predicates are eval()ed.
                page = browser.new_page(viewport={"width": 1280, "height": 800},
                                        bypass_csp=True)
                page.goto(f"{base}/?token={token}")  # the owner's link: a session cookie
                page.goto(f"{base}/b/{board}")
                page.wait_for_function(f"window.herd?.model?.notes.size === {n}")
                if extra_css:  # try a styling idea against the same scenarios
                    page.add_style_tag(content=extra_css)
                page.wait_for_function("window.herd.connection === 'live'")
                tables = []
                for crowd in ([0, peers] if peers else [0]):
                    wanderers = Peers(base, board, crowd) if crowd else None
                    if wanderers:
                        wanderers.start()
                        page.wait_for_function(f"window.herd.cursors.count() === {crowd}")
                    try:
                        tables.append((crowd, scenarios(page, seconds)))
                    finally:
                        if wanderers:
                            wanderers.stop.set()
                            wanderers.join()
                visible = page.evaluate(VISIBLE)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    print(f"Canvas smoothness: {n} notes in {(n + 99) // 100} groups, 1280x800, headless "
          f"Chromium with --disable-gpu (software compositing); {visible} notes on screen at 100%")
    for crowd, results in tables:
        if peers:
            print(f"\n{'with ' + str(crowd) + ' other pointers moving' if crowd else 'alone'}:")
        print(f"{'scenario':34} {'fps':>6} {'p95 frame ms':>13} {'worst ms':>9} {'inputs/s':>9}")
        for name, r in results.items():
            print(f"{name:34} {r['fps']:6.1f} {r['p95']:13.1f} {r['worst']:9.1f} "
                  f"{r['inputs_per_s']:9.1f}")


VISIBLE = """() => { herd.setView({tx: -200, ty: -100, zoom: 1}); const r = herd.visibleRect();
  let c = 0; for (const n of herd.model.notes.values()) if (n.x < r.x + r.w && n.x + n.w > r.x
  && n.y < r.y + r.h && n.y + n.h > r.y) c++; return c; }"""


def scenarios(page, seconds: float) -> dict:
    """Every scenario once; fps and frame times per scenario."""
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
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--extra-css", help="CSS added to the page, to compare a styling idea")
    ap.add_argument("--peers", type=int, default=0,
                    help="run every scenario again while this many other pointers move")
    args = ap.parse_args()
    run(args.seconds, args.notes, args.extra_css, args.peers)


if __name__ == "__main__":
    main()
