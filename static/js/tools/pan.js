// Pan: drag the canvas (Hand tool, middle button, Space held, or one finger). A press that
// never moves is a click on the empty canvas, which clears the selection, or a tap, which
// the caller may give its own meaning (`onTap`: a finger's tap adds a note).

import * as geo from '../geometry.js';
import { CLICK_SLOP, dragged } from './common.js';

/** Start panning from screen point p0. */
export function panTool(ctx, p0, clickClears = false, { slop = CLICK_SLOP, onTap = null } = {}) {
  const vp = ctx.viewport;
  const v0 = ctx.view;
  let moved = false;
  vp.classList.add('panning');
  return {
    move(p) {
      if (!moved && !dragged(p0, p, slop)) return;
      moved = true;
      ctx.setView(geo.pan(v0, p.x - p0.x, p.y - p0.y));
    },
    release() {
      vp.classList.remove('panning');
      if (moved) return;
      if (onTap) onTap();
      else if (clickClears) ctx.clearSelection();
    },
    cancel() { vp.classList.remove('panning'); },
  };
}
