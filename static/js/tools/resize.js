// Resize a note or a frame from its bottom-right corner: a preview while dragging, one op on
// release (a frame resized over notes takes them, and lets go of those it no longer holds:
// ctx.commit settles membership).

import * as S from '../state.js';

const MIN = { note: [60, 40], group: [160, 100] };

/** Start resizing item (kind, id) from screen point p0. */
export function resizeTool(ctx, p0, kind, id) {
  const r0 = S.visible(ctx.model, kind).get(id);
  if (!r0) return null;
  ctx.select([kind + ':' + id]);
  const [minW, minH] = MIN[kind];
  let fields = null;
  return {
    move(p) {
      const z = ctx.view.zoom;
      fields = { w: Math.max(minW, Math.round(r0.w + (p.x - p0.x) / z)),
        h: Math.max(minH, Math.round(r0.h + (p.y - p0.y) / z)) };
      ctx.preview([{ op: 'update', kind, id, fields }]);
    },
    release() {
      ctx.discard('drag');
      if (fields) ctx.commit([{ op: 'update', kind, id, fields }]);
    },
    cancel() { ctx.discard('drag'); },
  };
}
