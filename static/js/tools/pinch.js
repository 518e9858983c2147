// Pinch: two touch points zoom around their midpoint and pan with it.

import * as geo from '../geometry.js';

/** Start a pinch from the current two touches (a Map pointerId -> screen point). */
export function pinchTool(ctx, touches) {
  const [a, b] = [...touches.values()];
  const d0 = Math.hypot(a.x - b.x, a.y - b.y) || 1;
  const v0 = ctx.view;
  const m0 = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  return {
    move() {
      const [c, d] = [...touches.values()];
      if (!c || !d) return;
      const m = { x: (c.x + d.x) / 2, y: (c.y + d.y) / 2 };
      const z = geo.zoomAround(v0, m0, v0.zoom * (Math.hypot(c.x - d.x, c.y - d.y) / d0));
      ctx.setView(geo.pan(z, m.x - m0.x, m.y - m0.y));
    },
  };
}
