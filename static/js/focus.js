// Keyboard focus on the board (WAI-ARIA roving tabindex): one note or frame title is in the
// Tab order; arrow keys move focus to the neighbour in that direction; focus selects what it
// lands on; Enter edits it (keys.js). The skip link jumps here. Focus never scrolls the page:
// the view pans instead, so the focused item is on screen.

import * as geo from './geometry.js';

/** Add focusItem, focusCurrent and moveFocus to ctx and keep the roving tab stop valid. */
export function installFocus(ctx) {
  const vp = ctx.viewport;
  const items = () => [
    ...[...ctx.model.notes.values()].map((r) => ({ key: 'note:' + r.id, ...rect(r) })),
    ...[...ctx.model.groups.values()].map((r) => ({ key: 'group:' + r.id, ...rect(r) })),
  ];

  /** Focus item `key` ('note:id' / 'group:id'), panning it into view. */
  ctx.focusItem = (key) => {
    const row = ctx.lookupKey(key);
    const node = ctx.renderer.focusable(key);
    if (!row || !node) return false;
    ctx.renderer.setCurrent(key);
    reveal(row);
    node.focus({ preventScroll: true });
    return true;
  };

  /** Focus the board: its current item, else the first in reading order, else the canvas. */
  ctx.focusCurrent = () => {
    const cur = ctx.renderer.current();
    if (cur && ctx.focusItem(cur)) return;
    const first = geo.readingOrder(items())[0];
    if (first && ctx.focusItem(first.key)) return;
    vp.focus({ preventScroll: true });
  };

  /** Arrow keys on a focused item: focus the nearest item that way. */
  ctx.moveFocus = (fromKey, dir) => {
    const all = items();
    const from = all.find((i) => i.key === fromKey);
    const next = from && geo.nearestInDirection(from, all, dir);
    if (next) ctx.focusItem(next.key);
  };

  // A click keeps focus on the canvas (as before roving focus: arrows then nudge what the
  // mouse selected); only the keyboard puts focus on a note or a frame title.
  vp.addEventListener('mousedown', (e) => {
    if (e.target.closest('[data-key]') && !e.target.closest('textarea, input')) e.preventDefault();
  });

  // Focus selects what it lands on (unless it is already part of the selection).
  vp.addEventListener('focusin', (e) => {
    const key = e.target.dataset?.key;
    if (!key) return;
    ctx.renderer.setCurrent(key);
    if (!ctx.selection.has(key)) ctx.select([key]);
  });

  document.querySelector('.skip-link')?.addEventListener('click', (e) => {
    e.preventDefault();
    ctx.focusCurrent();
  });

  // The canvas itself is a Tab stop only while there is nothing on it to focus.
  ctx.onChange(() => {
    const empty = !ctx.model || (!ctx.model.notes.size && !ctx.model.groups.size);
    vp.tabIndex = empty ? 0 : -1;
    if (!empty && !ctx.renderer.current()) {
      const first = geo.readingOrder(items())[0];
      if (first) ctx.renderer.setCurrent(first.key);
    }
  });

  /** Pan so that `row` is inside the view (with a margin), if it is not already. */
  function reveal(row) {
    const { w, h } = ctx.viewportSize();
    const v = ctx.view;
    const s = geo.toScreen(v, row);
    const sw = row.w * v.zoom, sh = row.h * v.zoom;
    const m = 80;
    let dx = 0, dy = 0;
    if (s.x < m) dx = m - s.x; else if (s.x + sw > w - m) dx = Math.max(m - s.x, w - m - (s.x + sw));
    if (s.y < m) dy = m - s.y; else if (s.y + sh > h - m - 60) dy = Math.max(m - s.y, h - m - 60 - (s.y + sh));
    if (dx || dy) ctx.setView(geo.pan(v, dx, dy));
  }
}

function rect(r) {
  return { x: r.x, y: r.y, w: r.w, h: r.h };
}
