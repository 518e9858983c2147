// Pointer and wheel input on the canvas: which tool a press starts (tools/*.js, each with
// press -> move(p) -> release(p) and cancel), wheel pan and zoom, double-click to add or edit.
// Keys live in keys.js and the clipboard in clipboard.js; this installs all three.

import * as geo from './geometry.js';
import { installClipboard } from './clipboard.js';
import { slopOf } from './tools/common.js';
import { installKeys } from './keys.js';
import { marqueeTool } from './tools/marquee.js';
import { moveTool } from './tools/move.js';
import { panTool } from './tools/pan.js';
import { pinchTool } from './tools/pinch.js';
import { resizeTool } from './tools/resize.js';

/**
 * Attach every interaction to the viewport.
 * @param {object} ctx the board controller from board.js
 */
export function installTools(ctx) {
  const vp = ctx.viewport;
  let tool = null; // the active pointer tool
  const touches = new Map(); // pointerId -> screen point, for pinch
  let pinch = null;
  ctx.mode = 'hand'; // what dragging the empty canvas does: 'hand' pans, 'select' rubber-bands

  ctx.setMode = (m) => { ctx.mode = m; vp.dataset.mode = m; ctx.render([]); };
  vp.dataset.mode = ctx.mode;
  let busyBeforeTap = false;
  // A touch screen has no double-click: its canvas says how a finger adds a note.
  if (globalThis.matchMedia?.('(pointer: coarse)').matches) {
    vp.setAttribute('aria-label', 'Board canvas. Tap the empty canvas or the + button to add a note.');
  }

  vp.addEventListener('pointerdown', (e) => {
    // Whether a tap on the empty canvas only ends what was going on (an edit, a selection)
    // or adds a note: read before the edit below is finished.
    busyBeforeTap = !!ctx.editing || ctx.selection.size > 0;
    if (ctx.editing && !e.target.closest('.note.editing')) ctx.editing.finish(true);
    if (e.target.closest('button, input, textarea, a, .popover, .board-missing, .note-doubt')) return;
    vp.focus({ preventScroll: true });
    const p = ctx.screenPoint(e);
    ctx.pointer = p;
    if (e.pointerType === 'touch') {
      touches.set(e.pointerId, p);
      if (touches.size === 2) {
        tool?.cancel?.();
        tool = null;
        pinch = pinchTool(ctx, touches);
        return;
      }
    }
    if (e.button !== 0 && e.button !== 1) return;
    tool = pickTool(e, p);
    if (tool) {
      vp.setPointerCapture(e.pointerId);
      e.preventDefault();
    }
  });

  vp.addEventListener('pointermove', (e) => {
    const p = ctx.screenPoint(e);
    ctx.pointer = p;
    if (touches.has(e.pointerId)) touches.set(e.pointerId, p);
    if (pinch) { pinch.move(); return; }
    tool?.move(p, e);
  });

  const up = (e) => {
    touches.delete(e.pointerId);
    if (pinch && touches.size < 2) { pinch = null; return; }
    if (!tool) return;
    const t = tool;
    tool = null;
    t.release(ctx.screenPoint(e), e);
  };
  vp.addEventListener('pointerup', up);
  vp.addEventListener('pointercancel', (e) => { touches.delete(e.pointerId); pinch = null; tool?.cancel?.(); tool = null; });
  vp.addEventListener('pointerleave', () => { if (!tool) ctx.pointer = null; });

  vp.addEventListener('dblclick', (e) => {
    // Pointer capture retargets click events to the viewport: look at what is really there.
    const target = document.elementFromPoint(e.clientX, e.clientY) || e.target;
    if (target.closest('button, input, textarea')) return;
    const noteEl = target.closest('.note');
    if (noteEl) { ctx.editNote(noteEl.dataset.id); return; }
    const head = target.closest('.frame-head');
    if (head) { ctx.editTitle(head.parentElement.dataset.id); return; }
    ctx.newNoteAt(geo.toBoard(ctx.view, ctx.screenPoint(e)));
  });

  // Frame menu buttons live inside the canvas but are plain buttons.
  vp.addEventListener('click', (e) => {
    const b = e.target.closest('.frame-menu-btn');
    if (b) ctx.openFrameMenu?.(b.closest('.frame').dataset.id, b);
    const d = e.target.closest('.note-doubt');
    if (d) ctx.openDoubtMenu?.(d.closest('.note').dataset.id, d);
  });

  vp.addEventListener('wheel', (e) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    const dx = e.deltaX * unit, dy = e.deltaY * unit;
    if (e.ctrlKey || e.metaKey) {
      ctx.zoomBy(geo.wheelZoomFactor(dy), ctx.screenPoint(e));
    } else if (e.shiftKey && !dx) {
      ctx.setView(geo.pan(ctx.view, -dy, 0));
    } else {
      ctx.setView(geo.pan(ctx.view, -dx, -dy));
    }
  }, { passive: false });

  /**
   * Which tool a press starts, from what is under the pointer and the modifiers. A finger
   * gets the same tools with a wider slop; its tap on a note already selected alone edits it
   * (there is no double-click to do it), and its tap on the empty canvas adds a note there.
   */
  function pickTool(e, p) {
    const slop = slopOf(e);
    const touch = e.pointerType === 'touch';
    if (e.button === 1 || ctx.spaceDown) return panTool(ctx, p, false, { slop });
    const grip = e.target.closest('.frame-resize, .note-resize');
    if (grip) return resizeTool(ctx, p, grip.parentElement.dataset.kind, grip.parentElement.dataset.id);
    const noteEl = e.target.closest('.note');
    // A frame is grabbed by its title or its body; Shift on the body still draws a marquee.
    // A finger grabs it by its title only: on a phone a frame's body is most of the screen,
    // and a finger there pans, or taps a note into the frame.
    const frameEl = e.target.closest('.frame-head')?.parentElement ||
      (!e.shiftKey && !touch && e.target.closest('.frame'));
    if (noteEl || frameEl) {
      const key = noteEl ? 'note:' + noteEl.dataset.id : 'group:' + frameEl.dataset.id;
      const additive = e.shiftKey || e.metaKey || e.ctrlKey;
      const alone = ctx.selection.size === 1 && ctx.selection.has(key);
      let clickSelect = null;
      if (additive) ctx.toggle(key);
      else if (!ctx.selection.has(key)) ctx.select([key]);
      else clickSelect = key; // a plain click on a selected item selects it alone, if no drag
      if (!ctx.selection.has(key)) return null;
      const onTap = touch && alone && !additive
        ? () => (noteEl ? ctx.editNote(noteEl.dataset.id) : ctx.editTitle(frameEl.dataset.id)) : null;
      return moveTool(ctx, p, clickSelect, { slop, onTap });
    }
    if (e.shiftKey || ctx.mode === 'select') return marqueeTool(ctx, p, e.shiftKey, { slop });
    return panTool(ctx, p, true, { slop, onTap: touch ? () => tapCanvas(p) : null });
  }

  /** A finger's tap on the empty canvas: ends an edit or a selection, else adds a note. */
  function tapCanvas(p) {
    if (busyBeforeTap) { ctx.clearSelection(); return; }
    if (!ctx.may('write') || ctx.votes?.state()?.status === 'running') return;
    ctx.newNoteAt(geo.toBoard(ctx.view, p));
  }

  installKeys(ctx);
  installClipboard(ctx);
}
