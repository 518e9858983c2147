// Marquee: drag a rectangle to select the notes it touches and the frames it holds whole.

import * as geo from '../geometry.js';
import { CLICK_SLOP, dragged } from './common.js';

/** Start a rubber band at screen point p0; `additive` keeps what was selected. */
export function marqueeTool(ctx, p0, additive, { slop = CLICK_SLOP } = {}) {
  const box = document.getElementById('rubber');
  const before = new Set(ctx.selection);
  let moved = false;
  return {
    move(p) {
      if (!moved && !dragged(p0, p, slop)) return;
      moved = true;
      const r = geo.rectFromPoints(p0, p);
      Object.assign(box.style, { left: `${r.x}px`, top: `${r.y}px`, width: `${r.w}px`, height: `${r.h}px` });
      box.hidden = false;
      const br = geo.screenRectToBoard(ctx.view, r);
      const keys = [];
      for (const n of ctx.model.notes.values()) if (geo.intersects(br, n)) keys.push('note:' + n.id);
      for (const g of ctx.model.groups.values()) if (geo.containsRect(br, g)) keys.push('group:' + g.id);
      ctx.select(additive ? [...before, ...keys] : keys);
    },
    release() {
      box.hidden = true;
      if (!moved && !additive) ctx.clearSelection();
    },
    cancel() { box.hidden = true; },
  };
}
