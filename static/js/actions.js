// What a user does to notes and groups: add, edit in place, delete, recolour, paste,
// duplicate, group and ungroup, retitle. Each action is a batch sent through ctx.commit().

import * as geo from './geometry.js';
import * as M from './membership.js';
import * as S from './state.js';
import { parseList } from './textlist.js';
import { toast, editInPlace } from './ui.js';

/** Add the note and group actions to ctx (newNoteAt, editNote, groupSelection, …). */
export function installActions(ctx) {
  /** Begin a new note at board point p (centred on it) in edit mode; it is sent when typed. */
  ctx.newNoteAt = (p, { placed = false } = {}) => {
    if (ctx.blockedByLock?.([{ op: 'create', kind: 'note' }])) return; // a locked board
    const id = S.newId('n');
    let x = Math.round(p.x - geo.NOTE_W / 2), y = Math.round(p.y - geo.NOTE_H / 2);
    if (placed) {
      // Made away from the pointer (N with it off the canvas, the toolbar button): the next
      // free spot near the view's centre, never under another note.
      ({ x, y } = geo.freeSpot({ x, y, w: geo.NOTE_W, h: geo.NOTE_H }, ctx.model.notes.values()));
    }
    const frame = M.containerOf({ x, y, w: geo.NOTE_W, h: geo.NOTE_H }, M.zOrder(ctx.model.groups.values()));
    const fields = { text: '', x, y, w: geo.NOTE_W, h: geo.NOTE_H, color: ctx.lastColor || 'yellow',
      group_id: frame ? frame.id : null };
    ctx.preview([{ op: 'create', kind: 'note', id, fields }], 'draft');
    ctx.select(['note:' + id]);
    ctx.editNote(id, { draft: true });
  };

  /** Edit a note's text in place; Escape or clicking away finishes. */
  ctx.editNote = (id, { draft = false } = {}) => {
    if (!ctx.may('write')) { ctx.readOnly(); return; }
    const node = ctx.renderer.noteEl(id);
    const row = ctx.model.notes.get(id);
    if (!node || !row || node.classList.contains('editing')) return;
    if (row.face_down) { toast('This note is face down: only its author can edit it until the facilitator reveals it.'); return; }
    const startText = row.text || '';
    const startVersion = row.version; // what the user saw when they began typing
    const ta = document.createElement('textarea');
    ta.className = 'note-edit';
    ta.value = row.text || '';
    ta.setAttribute('aria-label', 'Note text');
    ta.spellcheck = true;
    node.classList.add('editing');
    node.append(ta);
    const fit = () => { ta.style.fontSize = `${geo.fitFontSize(ta.value, row.w, row.h)}px`; };
    fit();
    ta.addEventListener('input', fit);
    ta.focus();
    ta.setSelectionRange(ta.value.length, ta.value.length);
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      const text = ta.value.replace(/\s+$/, '');
      ta.remove();
      node.classList.remove('editing');
      ctx.editing = null;
      // Back to the note itself, so a keyboard user carries on from where they were.
      const refocus = () => ctx.focusItem?.('note:' + id) || ctx.viewport.focus({ preventScroll: true });
      refocus();
      if (draft) {
        ctx.discard('draft');
        if (save && text.trim()) {
          const cur = S.pick(row, S.NOTE_FIELDS);
          await ctx.commit([{ op: 'create', kind: 'note', id, fields: { ...cur, text } }]);
          ctx.select(['note:' + id]);
          if (document.activeElement === document.body || document.activeElement === ctx.viewport) refocus();
        }
        return;
      }
      const now = ctx.model.notes.get(id);
      if (save && now && text !== (now.text || '')) {
        // Sent with the version we saw, so a concurrent edit is not silently overwritten. If only
        // other fields moved on (someone dragged it), our text still applies on top; if someone
        // changed the text too, theirs is kept and we say so.
        await ctx.commit([{ op: 'update', kind: 'note', id, fields: { text }, version: startVersion }], {
          onConflict: (cur) => {
            if (cur && (cur.text ?? '') === startText) {
              return [{ op: 'update', kind: 'note', id, fields: { text }, version: cur.version }];
            }
            toast('Someone else changed this note while you were typing; their text is kept.', { kind: 'error' });
            return null;
          },
        });
      }
    };
    ta.addEventListener('keydown', (e) => {
      e.stopPropagation();
      if (e.key === 'Escape' || (e.key === 'Enter' && (e.ctrlKey || e.metaKey))) { e.preventDefault(); finish(true); }
    });
    ta.addEventListener('blur', () => finish(true));
    ta.addEventListener('pointerdown', (e) => e.stopPropagation());
    ta.addEventListener('dblclick', (e) => e.stopPropagation());
    ctx.editing = { id, finish };
  };

  /** Delete everything selected (notes first, then groups; notes of a deleted group stay). */
  ctx.deleteSelection = () => {
    const notes = ctx.selectedNotes(), groups = ctx.selectedGroups();
    const ops = [...notes.map((n) => ({ op: 'delete', kind: 'note', id: n.id })),
      ...groups.map((g) => ({ op: 'delete', kind: 'group', id: g.id }))];
    ctx.clearSelection();
    return ctx.commit(ops);
  };

  /** Change the colour of the selected notes. */
  ctx.recolor = (color) => {
    ctx.lastColor = color;
    const ops = ctx.selectedNotes().filter((n) => n.color !== color)
      .map((n) => ({ op: 'update', kind: 'note', id: n.id, fields: { color } }));
    return ctx.commit(ops);
  };

  /** Create notes from plain rows ({text,color?,w?,h?,dx?,dy?}) around board point `at`, selected. */
  ctx.addNotes = (rows, at, { grid = true } = {}) => {
    if (!rows.length) return Promise.resolve(true);
    const pts = grid ? geo.gridPlacement(rows.length, at) : rows.map((r) => ({ x: at.x + r.dx, y: at.y + r.dy }));
    const ops = rows.map((r, i) => ({ op: 'create', kind: 'note', id: S.newId('n'), fields: {
      text: r.text, x: pts[i].x, y: pts[i].y, w: r.w || geo.NOTE_W, h: r.h || geo.NOTE_H,
      color: r.color || 'yellow', group_id: null } }));
    ctx.select(ops.map((o) => 'note:' + o.id));
    return ctx.commit(ops);
  };

  /** Paste a text list: one note per line in a grid at the pointer, one /ops call. */
  ctx.pasteText = (text) => {
    const lines = parseList(text);
    if (lines.length > 5000) { toast('That list is too long to paste (over 5,000 lines).', { kind: 'error' }); return; }
    return ctx.addNotes(lines.map((t) => ({ text: t, color: ctx.lastColor })), ctx.dropPoint());
  };

  /** Copies of the selected notes, keeping their arrangement, offset or at the pointer. */
  ctx.duplicate = (notes = ctx.selectedNotes(), at = null) => {
    if (!notes.length) return;
    const box = geo.unionRect(notes);
    const origin = at ? { x: at.x - box.w / 2, y: at.y - box.h / 2 } : { x: box.x + 24, y: box.y + 24 };
    return ctx.addNotes(notes.map((n) => ({ text: n.text, color: n.color, w: n.w, h: n.h,
      dx: n.x - box.x, dy: n.y - box.y })), origin, { grid: false });
  };

  /** Make a titled frame around the selected notes. */
  ctx.groupSelection = () => {
    const notes = ctx.selectedNotes();
    if (!notes.length) { toast('Select some notes first, then group them.'); return; }
    const box = geo.inflate(geo.unionRect(notes), 32);
    const gid = S.newId('g');
    // The frame is drawn around the selection and takes exactly what it then holds (other
    // notes whose centre falls inside included): ctx.commit settles the membership.
    const ops = [{ op: 'create', kind: 'group', id: gid,
      fields: { title: 'New group', x: Math.round(box.x), y: Math.round(box.y), w: Math.round(box.w), h: Math.round(box.h) } }];
    ctx.select(['group:' + gid]);
    ctx.commit(ops).then((ok) => ok && ctx.editTitle(gid));
  };

  /** Remove the selected groups' frames; their notes stay where they are. */
  ctx.ungroupSelection = () => {
    const ops = ctx.selectedGroups().map((g) => ({ op: 'delete', kind: 'group', id: g.id }));
    ctx.clearSelection();
    return ctx.commit(ops);
  };

  /** Edit a group title in place. */
  ctx.editTitle = (gid) => {
    const node = ctx.renderer.frameEl(gid);
    const row = ctx.model.groups.get(gid);
    if (!node || !row || node.querySelector('.frame-title-edit')) return;
    const titleEl = node.querySelector('.frame-title');
    editInPlace(titleEl, {
      value: row.title, label: 'Group title', className: 'frame-title-edit', allowEmpty: true,
      place: (input) => titleEl.after(input),
      afterClose: () => ctx.focusItem?.('group:' + gid) || ctx.viewport.focus({ preventScroll: true }),
      onDone: (title) => ctx.model.groups.get(gid)
        && ctx.commit([{ op: 'update', kind: 'group', id: gid, fields: { title } }]),
    });
  };
}
