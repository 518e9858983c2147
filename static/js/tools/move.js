// Move: drag the selection. Frames carry their notes and the frames inside them; a note that
// sits outside its frame is not carried (membership is containment, membership.js). Live
// positions go to the server throttled; the release sends the final ones as one recorded
// batch, whose membership ctx.commit settles (a note dropped into a frame joins it, one
// dragged out leaves).

import * as geo from '../geometry.js';
import * as M from '../membership.js';
import { CLICK_SLOP, DRAG_SEND_MS, dragged } from './common.js';

/** The rows a drag or a nudge of the current selection moves, keyed 'kind:id'. */
export function movingRows(ctx) {
  const c = M.carried(ctx.model.notes, ctx.model.groups,
    ctx.selectedNotes().map((n) => n.id), ctx.selectedGroups().map((g) => g.id));
  const items = new Map();
  for (const g of c.groups) items.set('group:' + g.id, g);
  for (const n of c.notes) items.set('note:' + n.id, n);
  return items;
}

/** Update ops that move every row of `items` by (dx, dy) from where it was. */
export function moveOps(items, dx, dy) {
  return [...items.entries()].map(([key, row]) => ({
    op: 'update', kind: key.startsWith('note:') ? 'note' : 'group', id: row.id,
    fields: { x: Math.round(row.x + dx), y: Math.round(row.y + dy) } }));
}

/**
 * Start dragging the selection from screen point p0; `clickSelect` is for a plain click,
 * `onTap` replaces it when the press never moved (a finger's second tap edits), `slop` is how
 * far the press may wander first.
 */
export function moveTool(ctx, p0, clickSelect, { slop = CLICK_SLOP, onTap = null } = {}) {
  const vp = ctx.viewport;
  const b0 = geo.toBoard(ctx.view, p0);
  const items = movingRows(ctx);
  let moved = false;
  let lastSent = 0;
  let dx = 0, dy = 0;
  return {
    move(p) {
      if (!moved && !dragged(p0, p, slop)) return;
      if (!moved) { moved = true; vp.classList.add('dragging'); }
      const b = geo.toBoard(ctx.view, p);
      dx = b.x - b0.x; dy = b.y - b0.y;
      const ops = moveOps(items, dx, dy);
      ctx.preview(ops);
      const now = performance.now();
      if (now - lastSent >= DRAG_SEND_MS && !ctx.busy()) {
        lastSent = now;
        ctx.commit(ops, { record: false, quiet: true });
      }
    },
    release() {
      vp.classList.remove('dragging');
      if (!moved) {
        if (onTap) onTap();
        else if (clickSelect) ctx.select([clickSelect]);
        return;
      }
      ctx.discard('drag');
      // Undo goes back to where the drag began, not to the last live position sent.
      ctx.commit(moveOps(items, dx, dy), { before: (kind, id) => items.get(kind + ':' + id) || ctx.lookup(kind, id) });
    },
    cancel() {
      vp.classList.remove('dragging');
      ctx.discard('drag');
    },
  };
}
