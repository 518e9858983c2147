// Pointer, wheel, keyboard and clipboard interactions. Each pointer tool has the same shape:
// press(e) starts it, move(e) follows the pointer, release(e) finishes (and commits one
// batch). Drag traffic is throttled: positions go to the server at most every ~50 ms (and
// never while the previous batch is still in flight), the final position on release.

import * as geo from './geometry.js';
import * as S from './state.js';

const DRAG_SEND_MS = 50;
const CLICK_SLOP = 3; // px of movement before a press becomes a drag

/**
 * Attach every interaction to the viewport.
 * @param {object} ctx the board controller from board.js
 */
export function installTools(ctx) {
  const vp = ctx.viewport;
  let tool = null; // the active pointer tool
  let spaceDown = false;
  const touches = new Map(); // pointerId -> screen point, for pinch
  let pinch = null;
  ctx.mode = 'hand'; // what dragging the empty canvas does: 'hand' pans, 'select' rubber-bands

  ctx.setMode = (m) => { ctx.mode = m; vp.dataset.mode = m; ctx.render([]); };
  vp.dataset.mode = ctx.mode;

  vp.addEventListener('pointerdown', (e) => {
    if (ctx.editing && !e.target.closest('.note.editing')) ctx.editing.finish(true);
    if (e.target.closest('button, input, textarea, a, .popover, .board-missing')) return;
    vp.focus({ preventScroll: true });
    const p = ctx.screenPoint(e);
    ctx.pointer = p;
    if (e.pointerType === 'touch') {
      touches.set(e.pointerId, p);
      if (touches.size === 2) {
        tool?.cancel?.();
        tool = null;
        pinch = startPinch();
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
      // Trackpad pinch arrives as ctrl+wheel with small deltas; a mouse notch is ~100.
      const d = Math.max(-60, Math.min(60, dy));
      ctx.zoomBy(Math.exp(-d * 0.01), ctx.screenPoint(e));
    } else if (e.shiftKey && !dx) {
      ctx.setView(geo.pan(ctx.view, -dy, 0));
    } else {
      ctx.setView(geo.pan(ctx.view, -dx, -dy));
    }
  }, { passive: false });

  function startPinch() {
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

  /** Which tool a press starts, from what is under the pointer and the modifiers. */
  function pickTool(e, p) {
    if (e.button === 1 || spaceDown) return panTool(p);
    const grip = e.target.closest('.frame-resize, .note-resize');
    if (grip) return resizeTool(p, grip.parentElement.dataset.kind, grip.parentElement.dataset.id);
    const noteEl = e.target.closest('.note');
    const headEl = e.target.closest('.frame-head');
    if (noteEl || headEl) {
      const key = noteEl ? 'note:' + noteEl.dataset.id : 'group:' + headEl.parentElement.dataset.id;
      const additive = e.shiftKey || e.metaKey || e.ctrlKey;
      let clickSelect = null;
      if (additive) ctx.toggle(key);
      else if (!ctx.selection.has(key)) ctx.select([key]);
      else clickSelect = key; // a plain click on a selected item selects it alone, if no drag
      if (!ctx.selection.has(key)) return null;
      return moveTool(p, clickSelect);
    }
    if (e.shiftKey || ctx.mode === 'select') return marqueeTool(p, e.shiftKey);
    return panTool(p, true);
  }

  function panTool(p0, clickClears = false) {
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

  function marqueeTool(p0, additive) {
    const box = document.getElementById('rubber');
    const before = new Set(ctx.selection);
    let moved = false;
    return {
      move(p) {
        if (!moved && Math.hypot(p.x - p0.x, p.y - p0.y) < CLICK_SLOP) return;
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

  /** Resize a note or a frame from its bottom-right corner; one op on release. */
  function resizeTool(p0, kind, id) {
    const r0 = S.visible(ctx.model, kind).get(id);
    if (!r0) return null;
    ctx.select([kind + ':' + id]);
    const [minW, minH] = kind === 'note' ? [60, 40] : [160, 100];
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

  /** Drag the selection: notes, frames, and the notes inside dragged frames. */
  function moveTool(p0, clickSelect) {
    const b0 = geo.toBoard(ctx.view, p0);
    const groups = ctx.selectedGroups();
    const groupIds = new Set(groups.map((g) => g.id));
    const items = new Map(); // key -> row at start
    for (const n of ctx.selectedNotes()) items.set('note:' + n.id, n);
    for (const g of groups) {
      items.set('group:' + g.id, g);
      for (const n of S.notesInGroup(ctx.model, g.id)) items.set('note:' + n.id, n);
    }
    let moved = false;
    let lastSent = 0;
    let dx = 0, dy = 0;

    const opsAt = () => [...items.entries()].map(([key, row]) => ({
      op: 'update', kind: key.startsWith('note:') ? 'note' : 'group', id: row.id,
      fields: { x: Math.round(row.x + dx), y: Math.round(row.y + dy) } }));

    return {
      move(p) {
        if (!moved && Math.hypot(p.x - p0.x, p.y - p0.y) < CLICK_SLOP) return;
        if (!moved) { moved = true; vp.classList.add('dragging'); }
        const b = geo.toBoard(ctx.view, p);
        dx = b.x - b0.x; dy = b.y - b0.y;
        const ops = opsAt();
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
          if (clickSelect) ctx.select([clickSelect]);
          return;
        }
        const ops = opsAt();
        // Dropping notes into or out of frames changes their group (frames being dragged
        // carry their notes, which keep theirs).
        const frames = [...ctx.model.groups.values()].filter((g) => !groupIds.has(g.id));
        const grow = new Map();
        for (const op of ops) {
          if (op.kind !== 'note') continue;
          const row = items.get('note:' + op.id);
          if (row.group_id && groupIds.has(row.group_id)) continue;
          const r = { x: op.fields.x, y: op.fields.y, w: row.w, h: row.h };
          const f = geo.frameAt(frames, geo.center(r));
          const gid = f ? f.id : null;
          if (gid !== (row.group_id || null)) op.fields.group_id = gid;
          if (f && !geo.containsRect(f, r)) {
            const cur = grow.get(f.id) || f;
            grow.set(f.id, geo.unionRect([cur, geo.inflate(r, 20)]));
          }
        }
        for (const [gid, r] of grow) {
          ops.push({ op: 'update', kind: 'group', id: gid,
            fields: { x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.w), h: Math.round(r.h) } });
        }
        const before = (kind, id) => items.get(kind + ':' + id) || ctx.lookup(kind, id);
        ctx.discard('drag');
        ctx.commit(ops, { inverse: S.invertOps(before, ops) });
      },
      cancel() {
        vp.classList.remove('dragging');
        ctx.discard('drag');
      },
    };
  }

  // ---- keyboard ----

  const typing = (e) => e.target.closest?.('input, textarea, [contenteditable], select, dialog');

  document.addEventListener('keydown', (e) => {
    if (typing(e)) return;
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key;
    if (k === ' ') { spaceDown = true; vp.classList.add('space'); e.preventDefault(); return; }
    if (mod && (k === 'z' || k === 'Z') && !e.shiftKey) { e.preventDefault(); ctx.undo(); return; }
    if (mod && (((k === 'z' || k === 'Z') && e.shiftKey) || k === 'y')) { e.preventDefault(); ctx.redo(); return; }
    if (mod && k === 'd') { e.preventDefault(); ctx.duplicate(); return; }
    if (mod && k === 'a') { e.preventDefault(); ctx.selectAll(); return; }
    if (mod && (k === 'g' || k === 'G')) {
      e.preventDefault();
      if (e.shiftKey) ctx.ungroupSelection(); else ctx.groupSelection();
      return;
    }
    if (mod && k === '0') { e.preventDefault(); ctx.zoomTo(1); return; }
    if (mod && (k === '=' || k === '+')) { e.preventDefault(); ctx.zoomBy(1.25); return; }
    if (mod && k === '-') { e.preventDefault(); ctx.zoomBy(0.8); return; }
    if (mod || e.altKey) return;
    if (k === 'Delete' || k === 'Backspace') { e.preventDefault(); ctx.deleteSelection(); return; }
    if (k === 'Escape') { ctx.clearSelection(); ctx.closePopovers?.(); return; }
    if (k === 'n' || k === 'N') { e.preventDefault(); ctx.newNoteAt(ctx.dropPoint()); return; }
    if (k === '+' || k === '=') { ctx.zoomBy(1.25); return; }
    if (k === '-' || k === '_') { ctx.zoomBy(0.8); return; }
    if (k === '!' || (k === '1' && e.shiftKey)) { ctx.fit(); return; }
    if (k === 'h' || k === 'H') { ctx.setMode('hand'); return; }
    if (k === 'v' || k === 'V') { ctx.setMode('select'); return; }
    if (k === 'Enter') {
      const notes = ctx.selectedNotes(), groups = ctx.selectedGroups();
      if (notes.length === 1 && !groups.length) { e.preventDefault(); ctx.editNote(notes[0].id); }
      else if (groups.length === 1 && !notes.length) { e.preventDefault(); ctx.editTitle(groups[0].id); }
      return;
    }
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (arrows[k] && ctx.selection.size) {
      e.preventDefault();
      const step = e.shiftKey ? 50 : 10;
      const [ax, ay] = arrows[k];
      const ops = [];
      const seen = new Set();
      const add = (kind, row) => {
        if (seen.has(kind + row.id)) return;
        seen.add(kind + row.id);
        ops.push({ op: 'update', kind, id: row.id, fields: { x: row.x + ax * step, y: row.y + ay * step } });
      };
      for (const g of ctx.selectedGroups()) {
        add('group', g);
        for (const n of S.notesInGroup(ctx.model, g.id)) add('note', n);
      }
      for (const n of ctx.selectedNotes()) add('note', n);
      ctx.commit(ops);
    }
  });

  document.addEventListener('keyup', (e) => {
    if (e.key === ' ') { spaceDown = false; vp.classList.remove('space'); }
  });
  window.addEventListener('blur', () => { spaceDown = false; vp.classList.remove('space'); });

  // ---- clipboard ----

  const MIME = 'application/x-herd-notes';
  let clip = null; // {text, notes}: also kept here in case the browser drops our own type

  function copy(e) {
    if (typing(e)) return false;
    const notes = ctx.selectedNotes();
    if (!notes.length) return false;
    const text = notes.map((n) => n.text).join('\n');
    const rows = notes.map((n) => S.pick(n, ['text', 'x', 'y', 'w', 'h', 'color']));
    clip = { text, notes: rows };
    e.clipboardData?.setData('text/plain', text);
    e.clipboardData?.setData(MIME, JSON.stringify(rows));
    e.preventDefault();
    return true;
  }

  document.addEventListener('copy', copy);
  document.addEventListener('cut', (e) => { if (copy(e)) ctx.deleteSelection(); });
  document.addEventListener('paste', (e) => {
    if (typing(e)) return;
    const dt = e.clipboardData;
    if (!dt) return;
    e.preventDefault();
    let rows = null;
    try { rows = JSON.parse(dt.getData(MIME) || 'null'); } catch { rows = null; }
    const text = dt.getData('text/plain');
    if (!rows && clip && text === clip.text) rows = clip.notes;
    if (Array.isArray(rows) && rows.length) {
      ctx.duplicate(rows.map((r) => ({ ...r, id: 'x' })), ctx.dropPoint());
    } else if (text) {
      ctx.pasteText(text);
    }
  });
}
