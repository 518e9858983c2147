import test from 'node:test';
import assert from 'node:assert/strict';
import { CLICK_SLOP, TOUCH_SLOP, dragged, slopOf } from '../tools/common.js';
import { panTool } from '../tools/pan.js';

function fakeCtx() {
  const calls = [];
  return {
    calls,
    view: { tx: 0, ty: 0, zoom: 1 },
    viewport: { classList: { add() {}, remove() {} } },
    setView(v) { this.view = v; calls.push('pan'); },
    clearSelection() { calls.push('clear'); },
  };
}

test('a finger may wander further than a mouse before its press is a drag', () => {
  assert.equal(slopOf({ pointerType: 'touch' }), TOUCH_SLOP);
  assert.equal(slopOf({ pointerType: 'mouse' }), CLICK_SLOP);
  assert.ok(TOUCH_SLOP > CLICK_SLOP);
  assert.equal(dragged({ x: 0, y: 0 }, { x: 6, y: 0 }, CLICK_SLOP), true);
  assert.equal(dragged({ x: 0, y: 0 }, { x: 6, y: 0 }, TOUCH_SLOP), false);
});

test('a tap on the canvas is a tap (not a pan) within the touch slop, and only then', () => {
  const ctx = fakeCtx();
  let taps = 0;
  const t = panTool(ctx, { x: 100, y: 100 }, true, { slop: TOUCH_SLOP, onTap: () => { taps += 1; } });
  t.move({ x: 106, y: 104 });
  t.release({ x: 106, y: 104 });
  assert.equal(taps, 1);
  assert.deepEqual(ctx.calls, []); // neither a pan nor a clear: the tap decides

  const drag = panTool(ctx, { x: 100, y: 100 }, true, { slop: TOUCH_SLOP, onTap: () => { taps += 1; } });
  drag.move({ x: 140, y: 100 });
  drag.release({ x: 140, y: 100 });
  assert.equal(taps, 1);
  assert.deepEqual(ctx.view, { tx: 40, ty: 0, zoom: 1 });

  const c = fakeCtx(); // a mouse click on the canvas clears the selection
  const mouse = panTool(c, { x: 0, y: 0 }, true);
  mouse.release({ x: 0, y: 0 });
  assert.deepEqual(c.calls, ['clear']);
});
