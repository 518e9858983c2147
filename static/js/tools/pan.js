// Pan: drag the canvas (Hand tool, middle button, or Space held). A press that never moves
// is a click on the empty canvas, which clears the selection.

import * as geo from '../geometry.js';
import { CLICK_SLOP } from './common.js';

/** Start panning from screen point p0. */
export function panTool(ctx, p0, clickClears = false) {
  const vp = ctx.viewport;
  const v0 = ctx.view;
  let moved = false;
  vp.classList.add('panning');
  return {
    move(p) {
      if (!moved && Math.hypot(p.x - p0.x, p.y - p0.y) < CLICK_SLOP) return;
      moved = true;
      ctx.setView(geo.pan(v0, p.x - p0.x, p.y - p0.y));
    },
    release() {
      vp.classList.remove('panning');
      if (!moved && clickClears) ctx.clearSelection();
    },
    cancel() { vp.classList.remove('panning'); },
  };
}
