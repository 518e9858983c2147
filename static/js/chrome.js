// The board's surrounding UI: header (name, presence, connection), toolbars, selection bar,
// zoom and the group frame menu; it wires the board menu (boardmenu.js), the local AI and
// Organize (organize_ui.js) and the shortcuts sheet (shortcuts.js) to their buttons and keys.
// It reads ctx and calls its actions; it never touches notes' DOM.

import { api } from './api.js';
import { COLORS } from './state.js';
import { $, setText, showError, editInPlace } from './ui.js';
import { closePopovers, popover } from './popover.js';
import { boardMenu, installImport } from './boardmenu.js';
import {
  aiPopover, cancelOrganize, doubtMenu, organizePopover, refreshAi, renameWithAi, showOrganize,
} from './organize_ui.js';
import { helpPopover } from './shortcuts.js';
import { peoplePopover } from './people.js';
import { installContextMenu } from './contextmenu.js';

/** Wire every control outside the canvas. */
export function installChrome(ctx) {
  // ---- toolbar ----
  for (const b of document.querySelectorAll('.toolbar [data-mode]')) {
    b.addEventListener('click', () => ctx.setMode(b.dataset.mode));
  }
  // The button is away from the pointer: the note goes to a free spot near the view's centre.
  $('#add-note').addEventListener('click', () => ctx.newNoteAt(ctx.dropPoint(), { placed: true }));
  $('#add-group').addEventListener('click', () => ctx.groupSelection());
  $('#undo').addEventListener('click', () => ctx.undo());
  $('#redo').addEventListener('click', () => ctx.redo());
  $('#zoom-in').addEventListener('click', () => ctx.zoomBy(1.25));
  $('#zoom-out').addEventListener('click', () => ctx.zoomBy(0.8));
  $('#zoom-label').addEventListener('click', () => ctx.zoomTo(1));
  $('#zoom-fit').addEventListener('click', () => ctx.fit());

  // ---- selection bar ----
  const sw = $('#selbar .swatches');
  for (const c of COLORS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `swatch c-${c}`;
    b.dataset.color = c;
    b.setAttribute('aria-label', `Colour ${c}`);
    b.title = `Colour: ${c}`;
    b.addEventListener('click', () => ctx.recolor(c));
    sw.append(b);
  }
  $('#sel-group').addEventListener('click', () => ctx.groupSelection());
  $('#sel-ungroup').addEventListener('click', () => ctx.ungroupSelection());
  $('#sel-dup').addEventListener('click', () => ctx.duplicate());
  $('#sel-delete').addEventListener('click', () => ctx.deleteSelection());

  // ---- board name ----
  $('#board-name').addEventListener('click', () => renameBoard(ctx));

  // ---- popovers ----
  ctx.closePopovers = closePopovers;
  document.addEventListener('pointerdown', (e) => {
    if (!e.target.closest('.popover, [aria-haspopup], dialog')) ctx.closePopovers();
  }, true);
  ctx.openFrameMenu = (gid, anchor) => frameMenu(ctx, gid, anchor);
  ctx.openDoubtMenu = (nid, anchor) => doubtMenu(ctx, nid, anchor);
  installContextMenu(ctx); // right click, the menu key, Shift+F10
  $('#menu-btn').addEventListener('click', (e) => boardMenu(ctx, e.currentTarget));
  $('#organize-btn').addEventListener('click', (e) => organizePopover(ctx, e.currentTarget));
  $('#organize-btn').setAttribute('aria-haspopup', 'true');
  $('#ai-status').addEventListener('click', (e) => aiPopover(ctx, e.currentTarget));
  $('#ai-status').setAttribute('aria-haspopup', 'true');
  $('#presence').addEventListener('click', (e) => peoplePopover(ctx, e.currentTarget));
  $('.op-cancel').addEventListener('click', () => cancelOrganize(ctx));
  // Their keys (O, ?) are bound with all the others in keys.js.
  ctx.openOrganize = () => organizePopover(ctx, $('#organize-btn'));
  installImport(ctx);
  $('#help-btn').addEventListener('click', (e) => helpPopover(e.currentTarget));
  ctx.openHelp = () => helpPopover($('#help-btn'));

  refreshAi(ctx);
  // Many changes can land in one frame (a drag, a burst of live events): update once per frame.
  let queued = false;
  ctx.onChange(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; update(ctx); });
  });
  update(ctx);
}

/** Bring every indicator up to date (cheap: a few text and attribute writes). */
function update(ctx) {
  const m = ctx.model;
  if (!m) return;
  setText($('#board-name'), m.board.name || 'Untitled board');
  // What it shows, and what it does (as the start page's rename buttons say it).
  $('#board-name').setAttribute('aria-label', `Rename board ${m.board.name || 'Untitled board'}`);
  document.title = `${m.board.name || 'Untitled board'} · Herd`;
  const pct = `${Math.round(ctx.view.zoom * 100)}%`;
  setText($('#zoom-label'), pct);
  $('#zoom-label').setAttribute('aria-label', `${pct}: reset the zoom to 100%`); // holds what it shows
  const n = ctx.presence;
  setText($('#presence'), n ? `${n} here` : '');
  $('#presence').hidden = !n;
  const conn = ctx.deleted ? 'deleted' : ctx.connection;
  const connText = { connecting: 'Reconnecting…', offline: 'Offline — retrying', deleted: 'This board was deleted' }[conn] || '';
  setText($('#conn'), connText);
  $('#conn').dataset.state = conn || '';
  for (const b of document.querySelectorAll('.toolbar [data-mode]')) {
    b.classList.toggle('active', b.dataset.mode === ctx.mode);
    b.setAttribute('aria-pressed', String(b.dataset.mode === ctx.mode));
  }
  $('#undo').disabled = !ctx.history.undo.length;
  $('#redo').disabled = !ctx.history.redo.length;
  const notes = ctx.selectedNotes(), groups = ctx.selectedGroups();
  const selbar = $('#selbar');
  selbar.hidden = !notes.length && !groups.length;
  if (!selbar.hidden) {
    const parts = [];
    if (notes.length) parts.push(`${notes.length} note${notes.length > 1 ? 's' : ''}`);
    if (groups.length) parts.push(`${groups.length} group${groups.length > 1 ? 's' : ''}`);
    setText(selbar.querySelector('.sel-count'), parts.join(', '));
    const colors = new Set(notes.map((x) => x.color));
    for (const b of selbar.querySelectorAll('.swatch')) {
      const cur = colors.size === 1 && colors.has(b.dataset.color);
      b.classList.toggle('current', cur);
      b.setAttribute('aria-pressed', String(cur));
    }
    selbar.querySelector('.swatches').hidden = !notes.length;
    $('#sel-group').hidden = !notes.length;
    $('#sel-ungroup').hidden = !groups.length;
    $('#sel-dup').hidden = !notes.length;
  }
  $('#empty-hint').hidden = m.notes.size > 0 || m.groups.size > 0;
  showOrganize(ctx);
}

function renameBoard(ctx) {
  if (!ctx.may('manage')) return;
  const btn = $('#board-name');
  editInPlace(btn, {
    value: ctx.model.board.name, label: 'Board name', className: 'board-name-edit',
    place: (input) => btn.after(input),
    onDone: async (name) => {
      try {
        ctx.model.board = await api.renameBoard(ctx.boardId, name);
        update(ctx);
      } catch (e) { showError(e); }
    },
  });
}

/** The menu on a group frame's title: rename (by hand or with AI), select its notes, remove it. */
function frameMenu(ctx, gid, anchor) {
  ctx.select(['group:' + gid]);
  if (!ctx.may('write')) {
    popover(anchor, [{ label: 'Select notes in group', run: () => ctx.select(
      [...ctx.model.notes.values()].filter((n) => n.group_id === gid).map((n) => 'note:' + n.id)) }],
    { label: 'Group options' });
    return;
  }
  popover(anchor, [
    { label: 'Rename', hint: 'Enter', run: () => ctx.editTitle(gid) },
    { label: 'Rename with AI', title: 'Ask the local model for a fresh name', run: () => renameWithAi(ctx, gid) },
    { label: 'Select notes in group', run: () => ctx.select(
      [...ctx.model.notes.values()].filter((n) => n.group_id === gid).map((n) => 'note:' + n.id)) },
    'sep',
    { label: 'Remove group (keep notes)', hint: 'Ctrl+Shift+G', danger: true, run: () => ctx.ungroupSelection() },
  ], { label: 'Group options' });
}
