"""CPU-heavy steps leave gevent's event loop free under `herd serve`, and run inline elsewhere."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from server.cpu import run_cpu

ROOT = Path(__file__).resolve().parents[1]

UNDER_GEVENT = """
from gevent import monkey; monkey.patch_all()
import threading, time, gevent
from server.cpu import run_cpu

ticks = []
def ticker():
    while True:
        ticks.append(1)
        gevent.sleep(0.002)

gevent.spawn(ticker)
gevent.sleep(0.01)
def spin():
    t = time.perf_counter()
    while time.perf_counter() - t < 0.3:  # pure Python: holds the GIL between switches
        pass
    return threading.get_native_id()

before = len(ticks)
native = run_cpu(spin)
print(native != threading.get_native_id(), len(ticks) - before)
"""


def test_inline_without_gevent():
    assert run_cpu(threading.get_native_id) == threading.get_native_id()
    assert run_cpu(lambda a, b: a + b, 2, 3) == 5


def test_under_gevent_the_loop_keeps_running_while_it_computes():
    out = subprocess.run([sys.executable, "-c", UNDER_GEVENT], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    other_thread, ticks = out[0] == "True", int(out[1])
    assert other_thread
    # Inline, the ticker could not run at all while spin() held the loop; 0.3 s of spinning
    # in another thread leaves it many turns (the GIL switches every 5 ms).
    assert ticks > 0
