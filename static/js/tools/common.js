// Shared by the pointer tools.

export const CLICK_SLOP = 3; // px of movement before a press becomes a drag
export const TOUCH_SLOP = 10; // a finger wobbles more than a mouse: a tap stays a tap
export const DRAG_SEND_MS = 50; // live drag positions go to the server at most this often

/** How far this press may wander and still be a click (or a tap). */
export function slopOf(e) {
  return e?.pointerType === 'touch' ? TOUCH_SLOP : CLICK_SLOP;
}

/** Whether a press from p0 has become a drag at p. */
export function dragged(p0, p, slop = CLICK_SLOP) {
  return Math.hypot(p.x - p0.x, p.y - p0.y) >= slop;
}
