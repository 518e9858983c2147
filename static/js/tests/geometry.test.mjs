import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../geometry.js';

test('screen and board conversions are inverse', () => {
  const view = { tx: 120, ty: -40, zoom: 2.5 };
  const p = { x: 33, y: -7 };
  const back = g.toBoard(view, g.toScreen(view, p));
  assert.ok(Math.abs(back.x - p.x) < 1e-9 && Math.abs(back.y - p.y) < 1e-9);
});

test('zoomAround keeps the board point under the pointer fixed', () => {
  const view = { tx: 10, ty: 20, zoom: 1 };
  const at = { x: 300, y: 200 };
  const before = g.toBoard(view, at);
  const v2 = g.zoomAround(view, at, 2);
  const after = g.toBoard(v2, at);
  assert.equal(v2.zoom, 2);
  assert.ok(Math.abs(before.x - after.x) < 1e-9 && Math.abs(before.y - after.y) < 1e-9);
});

test('zoom is clamped to 10%..400%', () => {
  assert.equal(g.zoomAround({ tx: 0, ty: 0, zoom: 1 }, { x: 0, y: 0 }, 50).zoom, 4);
  assert.equal(g.zoomAround({ tx: 0, ty: 0, zoom: 1 }, { x: 0, y: 0 }, 0.001).zoom, 0.1);
});

test('fitView centres the content and never zooms past 100%', () => {
  const r = { x: 1000, y: 1000, w: 100, h: 100 };
  const v = g.fitView(r, 800, 600);
  assert.equal(v.zoom, 1);
  const c = g.toScreen(v, g.center(r));
  assert.deepEqual(c, { x: 400, y: 300 });
  const big = g.fitView({ x: 0, y: 0, w: 8000, h: 1000 }, 800, 600, 0);
  assert.equal(big.zoom, 0.1);
  const empty = g.fitView(null, 800, 600);
  assert.deepEqual(g.toBoard(empty, { x: 400, y: 300 }), { x: 0, y: 0 });
});

test('rect helpers', () => {
  assert.deepEqual(g.rectFromPoints({ x: 5, y: 9 }, { x: 1, y: 2 }), { x: 1, y: 2, w: 4, h: 7 });
  assert.ok(g.intersects({ x: 0, y: 0, w: 10, h: 10 }, { x: 5, y: 5, w: 10, h: 10 }));
  assert.ok(!g.intersects({ x: 0, y: 0, w: 10, h: 10 }, { x: 10, y: 0, w: 10, h: 10 }));
  assert.ok(g.containsPoint({ x: 0, y: 0, w: 10, h: 10 }, { x: 10, y: 10 }));
  assert.ok(g.containsRect({ x: 0, y: 0, w: 10, h: 10 }, { x: 1, y: 1, w: 2, h: 2 }));
  assert.deepEqual(g.unionRect([{ x: 0, y: 0, w: 1, h: 1 }, { x: 5, y: -5, w: 1, h: 1 }]),
    { x: 0, y: -5, w: 6, h: 6 });
  assert.equal(g.unionRect([]), null);
  assert.deepEqual(g.inflate({ x: 0, y: 0, w: 10, h: 10 }, 5), { x: -5, y: -5, w: 20, h: 20 });
});

test('visibleRect is the viewport in board units', () => {
  assert.deepEqual(g.visibleRect({ tx: -100, ty: 0, zoom: 2 }, 800, 600), { x: 50, y: 0, w: 400, h: 300 });
});

test('gridPlacement makes a neat non-overlapping grid centred on the point', () => {
  const pts = g.gridPlacement(7, { x: 0, y: 0 });
  assert.equal(pts.length, 7);
  const rects = pts.map((p) => ({ ...p, w: g.NOTE_W, h: g.NOTE_H }));
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) assert.ok(!g.intersects(rects[i], rects[j]));
  }
  const u = g.unionRect(rects);
  assert.ok(u.w > u.h, 'wider than tall');
  assert.ok(Math.abs(g.center(u).x) <= 1 && Math.abs(g.center(u).y) <= 1);
  assert.deepEqual(g.gridPlacement(0, { x: 0, y: 0 }), []);
  assert.equal(new Set(g.gridPlacement(50, { x: 0, y: 0 }).map((p) => p.y)).size, 6);
});

test('fitFontSize shrinks for long text and stays within bounds', () => {
  const short = g.fitFontSize('Hi', 160, 120);
  const long = g.fitFontSize('word '.repeat(80), 160, 120);
  assert.equal(short, 22);
  assert.ok(long < short && long >= 9);
  assert.ok(g.fitFontSize('a\nb\nc\nd\ne\nf', 160, 120) < 22);
});

test('showRect shows all of another screen\'s view, centred, as large as fits', () => {
  const leader = { x: 100, y: 200, w: 1600, h: 900 }; // a wide screen at 100%
  const v = g.showRect(leader, 800, 800); // a square window follows it
  assert.equal(v.zoom, 0.5);
  const seen = g.visibleRect(v, 800, 800);
  assert.ok(seen.x <= leader.x + 1e-9 && seen.x + seen.w >= leader.x + leader.w - 1e-9);
  assert.ok(seen.y <= leader.y + 1e-9 && seen.y + seen.h >= leader.y + leader.h - 1e-9);
  const mid = g.toScreen(v, g.center(leader));
  assert.deepEqual([mid.x, mid.y], [400, 400]);
  // A tiny rectangle is not blown up past the zoom limit.
  assert.equal(g.showRect({ x: 0, y: 0, w: 1, h: 1 }, 800, 600).zoom, g.clampZoom(1e9));
});

test('slotBelow: the next row under the lowest note, and the frame grows to hold it', async () => {
  const { slotBelow } = await import('../geometry.js');
  const frame = { x: 0, y: 0, w: 400, h: 240 };
  const members = [{ x: 24, y: 72, w: 160, h: 120 }, { x: 200, y: 72, w: 160, h: 120 },
    { x: 5000, y: 5000, w: 160, h: 120 }]; // outside the frame: not counted
  assert.deepEqual(slotBelow(frame, members, { w: 160, h: 120 }), { x: 24, y: 208, h: 352 });
  assert.deepEqual(slotBelow(frame, [], { w: 160, h: 120 }), { x: 24, y: 72, h: 240 });
});

test('freeSpot: the wanted spot when free, else the nearest free one, never under a note', () => {
  const want = { x: 0, y: 0, w: 160, h: 120 };
  assert.deepEqual(g.freeSpot(want, []), { x: 0, y: 0 });
  const notes = [{ x: 10, y: 10, w: 160, h: 120 }];
  const spot = g.freeSpot(want, notes);
  assert.ok(!notes.some((n) => g.intersects(n, { ...want, ...spot })));
  assert.ok(Math.hypot(spot.x, spot.y) <= 200, 'next to the wanted spot, not far off');
  // A block of notes around the centre: the spot is outside all of them.
  const block = [];
  for (let i = -2; i <= 2; i += 1) for (let j = -2; j <= 2; j += 1) block.push({ x: i * 170, y: j * 130, w: 160, h: 120 });
  const out = g.freeSpot(want, block);
  assert.ok(!block.some((n) => g.intersects(n, { ...want, ...out })));
});

test('wheel zoom steps are proportional to the delta', () => {
  const notch = g.wheelZoomFactor(-100);
  assert.ok(notch > 1.1 && notch < 1.3, `one notch is a small step, got ${notch}`);
  assert.ok(Math.abs(g.wheelZoomFactor(-200) - notch * notch) < 1e-9, 'two notches are two steps');
  assert.ok(Math.abs(g.wheelZoomFactor(-3) - 1) < 0.01, 'a pinch delta is a small change');
  assert.ok(Math.abs(g.wheelZoomFactor(100) * notch - 1) < 1e-9, 'out undoes in');
});

test('nearestInDirection moves focus to the neighbour that way, never backwards', () => {
  const a = { id: 'a', x: 0, y: 0, w: 100, h: 100 }, right = { id: 'r', x: 200, y: 0, w: 100, h: 100 };
  const far = { id: 'far', x: 600, y: 0, w: 100, h: 100 }, below = { id: 'b', x: 0, y: 200, w: 100, h: 100 };
  const diag = { id: 'd', x: 150, y: 140, w: 100, h: 100 };
  const all = [a, right, far, below, diag];
  assert.equal(g.nearestInDirection(a, all, 'right').id, 'r');
  assert.equal(g.nearestInDirection(a, all, 'down').id, 'b');
  assert.equal(g.nearestInDirection(a, all, 'left'), null);
  assert.equal(g.nearestInDirection(right, all, 'left').id, 'a');
  assert.equal(g.nearestInDirection(far, all, 'left').id, 'r');
});

test('readingOrder: rows top to bottom, left to right within a row', () => {
  const r = (id, x, y) => ({ id, x, y, w: 10, h: 10 });
  assert.deepEqual(g.readingOrder([r('c', 0, 200), r('b', 300, 5), r('a', 0, 0)]).map((x) => x.id), ['a', 'b', 'c']);
});

test('fitFontSize picks a size at which the longest word stays whole', () => {
  const size = g.fitFontSize('Internationalization', 160, 120);
  const perLine = Math.floor((160 - 24) / (size * 0.56));
  assert.ok(perLine >= 'Internationalization'.length, `size ${size} fits ${perLine} chars a line`);
  assert.equal(g.fitFontSize('a b', 160, 120), 22);
});
