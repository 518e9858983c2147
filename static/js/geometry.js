// Pure geometry for the board: rectangles, hit tests, the view transform and layouts.
// Nothing here touches the DOM, so it is unit-tested under node.
//
// Two coordinate spaces exist and are converted ONLY here:
//   board  — where notes live (what the API stores), unbounded;
//   screen — CSS pixels relative to the viewport element's top-left corner.
// A view {tx, ty, zoom} maps board -> screen as  screen = board * zoom + t.

/** Zoom limits: 10% to 400%. */
export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 4;

/** Default note size in board units (matches the API's default). */
export const NOTE_W = 160;
export const NOTE_H = 120;

/**
 * A rectangle from two corner points in any order.
 * @param {{x:number,y:number}} a @param {{x:number,y:number}} b
 * @returns {{x:number,y:number,w:number,h:number}}
 */
export function rectFromPoints(a, b) {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return { x, y, w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) };
}

/** True when the two rectangles overlap (touching edges do not count). */
export function intersects(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** True when point p lies inside rectangle r (edges included). */
export function containsPoint(r, p) {
  return p.x >= r.x && p.x <= r.x + r.w && p.y >= r.y && p.y <= r.y + r.h;
}

/** True when rectangle `inner` lies entirely inside `outer`. */
export function containsRect(outer, inner) {
  return inner.x >= outer.x && inner.y >= outer.y &&
    inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;
}

/** Centre point of a rectangle. */
export function center(r) {
  return { x: r.x + r.w / 2, y: r.y + r.h / 2 };
}

/**
 * Smallest rectangle holding all given rectangles, or null for none.
 * @param {Iterable<{x:number,y:number,w:number,h:number}>} rects
 */
export function unionRect(rects) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const r of rects) {
    x0 = Math.min(x0, r.x); y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.w); y1 = Math.max(y1, r.y + r.h);
  }
  return x0 === Infinity ? null : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Rectangle grown by `pad` on every side (or by `{top,right,bottom,left}`). */
export function inflate(r, pad) {
  const p = typeof pad === 'number' ? { top: pad, right: pad, bottom: pad, left: pad } : pad;
  return { x: r.x - p.left, y: r.y - p.top, w: r.w + p.left + p.right, h: r.h + p.top + p.bottom };
}

/** Clamp a zoom factor into [MIN_ZOOM, MAX_ZOOM]. */
export function clampZoom(z) {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

/**
 * Board point -> screen point under a view.
 * @param {{tx:number,ty:number,zoom:number}} view @param {{x:number,y:number}} p
 */
export function toScreen(view, p) {
  return { x: p.x * view.zoom + view.tx, y: p.y * view.zoom + view.ty };
}

/**
 * Screen point -> board point under a view.
 * @param {{tx:number,ty:number,zoom:number}} view @param {{x:number,y:number}} p
 */
export function toBoard(view, p) {
  return { x: (p.x - view.tx) / view.zoom, y: (p.y - view.ty) / view.zoom };
}

/** A screen-space rectangle converted to board space. */
export function screenRectToBoard(view, r) {
  const a = toBoard(view, r);
  return { x: a.x, y: a.y, w: r.w / view.zoom, h: r.h / view.zoom };
}

/** The part of the board visible in a viewport of size w x h (screen pixels). */
export function visibleRect(view, w, h) {
  return screenRectToBoard(view, { x: 0, y: 0, w, h });
}

/** The view moved by a screen-space delta (panning). */
export function pan(view, dx, dy) {
  return { ...view, tx: view.tx + dx, ty: view.ty + dy };
}

/**
 * The view zoomed to `zoom` (clamped) keeping the board point under screen point `at` fixed,
 * which is what makes ctrl+wheel and pinch feel anchored to the pointer.
 */
export function zoomAround(view, at, zoom) {
  const z = clampZoom(zoom);
  const b = toBoard(view, at);
  return { zoom: z, tx: at.x - b.x * z, ty: at.y - b.y * z };
}

/**
 * A view that shows `rect` (board space) centred in a w x h viewport with `pad` screen pixels
 * of margin; never zooms in past 100% so a single note is not blown up. An empty board
 * (rect null) gives the home view.
 */
export function fitView(rect, w, h, pad = 60) {
  if (!rect) return { tx: w / 2, ty: h / 2, zoom: 1 };
  const zx = (w - 2 * pad) / Math.max(rect.w, 1);
  const zy = (h - 2 * pad) / Math.max(rect.h, 1);
  const zoom = clampZoom(Math.min(zx, zy, 1));
  const c = center(rect);
  return { zoom, tx: w / 2 - c.x * zoom, ty: h / 2 - c.y * zoom };
}

/**
 * A view that shows all of `rect` (board space), as large as fits, centred in a w x h
 * viewport: what someone following another person's view sees of it, whatever the two
 * screens' shapes.
 */
export function showRect(rect, w, h) {
  const zoom = clampZoom(Math.min(w / Math.max(rect.w, 1), h / Math.max(rect.h, 1)));
  const c = center(rect);
  return { zoom, tx: w / 2 - c.x * zoom, ty: h / 2 - c.y * zoom };
}

/**
 * Positions (top-left corners) for `n` notes in a neat grid centred on board point `at`:
 * roughly 3:2 wider than tall, reading order left-to-right, top-to-bottom.
 * @returns {{x:number,y:number}[]}
 */
export function gridPlacement(n, at, { w = NOTE_W, h = NOTE_H, gap = 20 } = {}) {
  if (n <= 0) return [];
  const cols = Math.max(1, Math.min(n, Math.ceil(Math.sqrt(n * 1.5))));
  const rows = Math.ceil(n / cols);
  const totalW = cols * w + (cols - 1) * gap;
  const totalH = rows * h + (rows - 1) * gap;
  const x0 = at.x - totalW / 2, y0 = at.y - totalH / 2;
  const out = [];
  for (let i = 0; i < n; i++) {
    const c = i % cols, r = Math.floor(i / cols);
    out.push({ x: Math.round(x0 + c * (w + gap)), y: Math.round(y0 + r * (h + gap)) });
  }
  return out;
}

/**
 * Largest font size (px, from `max` down to `min`) at which `text` is estimated to fit a
 * w x h box with `pad` padding. An estimate from character counts, not a measurement, so it
 * costs no layout even for a thousand notes.
 */
export function fitFontSize(text, w, h, { max = 22, min = 9, pad = 12, lineHeight = 1.25 } = {}) {
  const innerW = Math.max(10, w - 2 * pad), innerH = Math.max(10, h - 2 * pad);
  const paragraphs = String(text || '').split('\n');
  const longest = Math.max(0, ...String(text || '').split(/\s+/).map((w) => w.length));
  for (let size = max; size > min; size -= 1) {
    const charsPerLine = Math.max(1, Math.floor(innerW / (size * 0.56)));
    if (longest > charsPerLine) continue; // a smaller font keeps the longest word whole
    let lines = 0;
    for (const para of paragraphs) {
      lines += Math.max(1, wrapCount(para, charsPerLine));
    }
    if (lines * size * lineHeight <= innerH) return size;
  }
  return min;
}

/** How many lines a paragraph wraps to at `perLine` characters, breaking on spaces. */
function wrapCount(para, perLine) {
  if (para.length <= perLine) return 1;
  let lines = 1, col = 0;
  for (const word of para.split(/\s+/)) {
    let len = word.length;
    if (col > 0 && col + 1 + len > perLine) { lines += 1; col = 0; }
    while (len > perLine) { lines += 1; len -= perLine; }
    col += (col > 0 ? 1 : 0) + len;
  }
  return lines;
}

/**
 * Where one more note goes in a frame, as the server's sort does: the next row below the
 * frame's lowest note, at its left edge; and the frame's height once it holds it.
 * @returns {{x: number, y: number, h: number}}
 */
export function slotBelow(frame, members, note, { pad = 24, gap = 16, title = 48 } = {}) {
  const inside = members.filter((m) => m.x < frame.x + frame.w && frame.x < m.x + m.w
    && m.y < frame.y + frame.h && frame.y < m.y + m.h);
  const top = Math.max(frame.y + title + pad, ...inside.map((m) => m.y + m.h + gap));
  const x = frame.x + pad, y = top;
  return { x, y, h: Math.max(frame.h, y + note.h + pad - frame.y) };
}

/**
 * The zoom factor for a ctrl+wheel (or trackpad pinch) delta in pixels: proportional to the
 * delta, so a mouse notch (~100 px) is one ~1.2x step and a pinch's small deltas glide.
 */
export function wheelZoomFactor(dy) {
  return Math.exp(-Math.max(-500, Math.min(500, dy)) * 0.002);
}

/**
 * The free spot nearest `want` ({x,y,w,h}) where a rectangle of its size overlaps none of
 * `rects` (with `gap` between): tried on a grid of its own size plus the gap, ring by ring
 * outwards, nearest first. Falls back to `want` when the search runs out (a packed board).
 * @returns {{x:number,y:number}}
 */
export function freeSpot(want, rects, { gap = 16, rings = 40 } = {}) {
  const list = [...rects];
  const free = (r) => !list.some((o) => intersects(inflate(r, gap / 2), inflate(o, gap / 2)));
  const sx = want.w + gap, sy = want.h + gap;
  for (let ring = 0; ring <= rings; ring += 1) {
    const cands = [];
    for (let i = -ring; i <= ring; i += 1) {
      for (let j = -ring; j <= ring; j += 1) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        cands.push({ x: want.x + i * sx, y: want.y + j * sy, w: want.w, h: want.h, d: Math.hypot(i * sx, j * sy) });
      }
    }
    cands.sort((a, b) => a.d - b.d);
    const hit = cands.find(free);
    if (hit) return { x: hit.x, y: hit.y };
  }
  return { x: want.x, y: want.y };
}

/**
 * The rectangle nearest to `from` in direction `dir` ('left' | 'right' | 'up' | 'down'),
 * for moving keyboard focus across the board: only rectangles whose centre lies that way
 * count, and one off to the side costs twice its sideways distance. null when none is.
 * @template {{x:number,y:number,w:number,h:number}} R
 * @param {R} from @param {Iterable<R>} rects @param {string} dir @returns {R|null}
 */
export function nearestInDirection(from, rects, dir) {
  const c = center(from);
  const [ax, ay] = { left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1] }[dir];
  let best = null, bestCost = Infinity;
  for (const r of rects) {
    if (r === from) continue;
    const d = center(r);
    const along = (d.x - c.x) * ax + (d.y - c.y) * ay;
    if (along <= 0) continue;
    const side = Math.abs((d.x - c.x) * ay) + Math.abs((d.y - c.y) * ax);
    const cost = along + 2 * side;
    if (cost < bestCost) { best = r; bestCost = cost; }
  }
  return best;
}

/** Rectangles in reading order: top to bottom in rows of similar height, left to right. */
export function readingOrder(rects, rowTolerance = 40) {
  return [...rects].sort((a, b) => (Math.abs(a.y - b.y) > rowTolerance ? a.y - b.y : a.x - b.x));
}
