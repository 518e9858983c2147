// Locks: a facilitator locks the selected notes and groups (or the whole board); editors
// then read, vote and point but cannot move or edit them. The server refuses such changes
// whatever a page sends; this module shows the locks and stops the page from trying. A
// facilitator unlocks one thing with one click on its lock.

import { api } from './api.js';
import { $, el, showError, toast } from './ui.js';

export function installLocks(ctx, layer) {
  const chip = $('#board-locked');
  const selBtn = $('#sel-lock');
  let locks = { board: false, notes: [], groups: [] };
  let notes = new Set(), groups = new Set();
  let toldAt = 0;

  /** Whether an item is locked for this person (a facilitator's page locks nothing). */
  ctx.isLocked = (kind, id) => {
    if (locks.board) return true;
    if (kind === 'group') return groups.has(id);
    const row = ctx.model.notes.get(id);
    return notes.has(id) || (!!row?.group_id && groups.has(row.group_id));
  };

  /** Whether this batch would change something locked (and this person may not). */
  ctx.blockedByLock = (ops) => {
    if (ctx.may('manage') || !(locks.board || notes.size || groups.size)) return false;
    const hit = ops.some((op) => (op.op === 'create' ? locks.board : ctx.isLocked(op.kind, op.id)));
    if (hit && Date.now() - toldAt > 3000) {
      toldAt = Date.now();
      toast('The facilitator locked that: you can read it, vote and point, but not move or edit it.');
    }
    return hit;
  };

  function set(next) {
    locks = next || { board: false, notes: [], groups: [] };
    notes = new Set(locks.notes);
    groups = new Set(locks.groups);
    paint();
  }

  function badge(node, on, kind, id) {
    let b = node.querySelector(':scope > .lock-badge, :scope > .frame-head > .lock-badge');
    if (!on) { b?.remove(); return; }
    if (b) return;
    const mine = ctx.may('manage');
    b = el(mine ? 'button' : 'span', 'lock-badge', mine
      ? { type: 'button', title: 'Locked: click to unlock', 'aria-label': 'Unlock' }
      : { title: 'Locked by the facilitator', 'aria-label': 'Locked' });
    b.textContent = '🔒';
    b.dataset.kind = kind;
    b.dataset.id = id;
    if (kind === 'note') node.append(b); else node.querySelector('.frame-head')?.append(b);
  }

  let painted = false; // whether any lock mark may be on the page
  function paint() {
    if (!ctx.model) return;
    const any = locks.board || notes.size > 0 || groups.size > 0;
    // This runs on every change (a drag's every step): with no locks, touch nothing.
    if (!any && !painted) { chip.hidden = true; return; }
    painted = any;
    for (const node of layer.querySelectorAll('.note')) {
      const id = node.dataset.id;
      const own = notes.has(id); // the board's or the group's lock shows on them
      node.classList.toggle('locked', ctx.isLocked('note', id));
      badge(node, own, 'note', id);
    }
    for (const node of layer.querySelectorAll('.frame')) {
      const id = node.dataset.id;
      node.classList.toggle('locked', ctx.isLocked('group', id));
      badge(node, groups.has(id), 'group', id);
    }
    chip.hidden = !locks.board;
    chip.title = ctx.may('manage') ? 'The board is locked: click to unlock it'
      : 'The facilitator locked the board: you can read, vote and point';
  }

  async function change(body, on) {
    try { set((await (on ? api.lock : api.unlock)(ctx.boardId, body)).locks); } catch (e) { showError(e); }
  }

  // One click on a lock unlocks that one thing (a facilitator's; others see a plain mark).
  layer.addEventListener('pointerdown', (e) => {
    const b = e.target.closest?.('button.lock-badge');
    if (!b || !ctx.may('manage')) return;
    e.preventDefault();
    e.stopPropagation();
    change(b.dataset.kind === 'note' ? { note_ids: [b.dataset.id] } : { group_ids: [b.dataset.id] }, false);
  }, true);
  /** The board menu's "Lock the board" / "Unlock the board". */
  ctx.toggleBoardLock = () => change({ board: true }, !locks.board);
  chip.addEventListener('click', () => { if (ctx.may('manage')) change({ board: true }, false); });
  selBtn.addEventListener('click', () => {
    const body = { note_ids: ctx.selectedNotes().map((n) => n.id), group_ids: ctx.selectedGroups().map((g) => g.id) };
    const all = [...body.note_ids.map((id) => notes.has(id)), ...body.group_ids.map((id) => groups.has(id))];
    change(body, !(all.length && all.every(Boolean))); // all locked already: the click unlocks
  });
  ctx.onChange(paint);
  return { apply: set, state: () => locks };
}
