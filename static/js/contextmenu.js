// The context menu (right click, the menu key or Shift+F10): on a note, a frame or the empty
// canvas, the common actions there with their shortcuts. Each runs the same ctx action as
// its key (keys.js) and its toolbar button.

import * as geo from './geometry.js';
import { doubtItems } from './organize_ui.js';
import { popover } from './popover.js';

/** The items for what was clicked: 'note:id', 'group:id' or null (the canvas at board point p). */
export function menuItems(ctx, key, p) {
  if (key?.startsWith('note:')) {
    const many = ctx.selection.size > 1;
    // A note in doubt (its ? mark) offers its runner-up first: the keyboard's way to it.
    const doubt = many ? [] : doubtItems(ctx, key.slice(5));
    return [
      ...(doubt.length ? [...doubt, 'sep'] : []),
      ...(many ? [] : [{ label: 'Edit text', hint: 'Enter', run: () => ctx.editNote(key.slice(5)) }]),
      { label: 'Duplicate', hint: 'Ctrl+D', run: () => ctx.duplicate() },
      { label: many ? 'Group the selection' : 'Put in a new group', hint: 'Ctrl+G', run: () => ctx.groupSelection() },
      'sep',
      { label: 'Delete', hint: 'Del', danger: true, run: () => ctx.deleteSelection() },
    ];
  }
  if (key?.startsWith('group:')) {
    const gid = key.slice(6);
    return [
      { label: 'Rename', hint: 'Enter', run: () => ctx.editTitle(gid) },
      { label: 'Select notes in group', run: () => ctx.select(
        [...ctx.model.notes.values()].filter((n) => n.group_id === gid).map((n) => 'note:' + n.id)) },
      'sep',
      { label: 'Remove group (keep notes)', hint: 'Ctrl+Shift+G', danger: true, run: () => ctx.ungroupSelection() },
    ];
  }
  return [
    { label: 'Add a note here', hint: 'N', run: () => ctx.newNoteAt(p) },
    { label: 'Select all notes', hint: 'Ctrl+A', run: () => ctx.selectAll() },
    { label: 'Fit to content', hint: 'Shift+1', run: () => ctx.fit() },
    { label: 'Zoom to 100%', hint: 'Ctrl+0', run: () => ctx.zoomTo(1) },
    'sep',
    { label: 'Undo', hint: 'Ctrl+Z', run: () => ctx.undo() },
    { label: 'Redo', hint: 'Ctrl+Shift+Z', run: () => ctx.redo() },
  ];
}

/** Open the context menu for `key` (or the canvas) with its corner at screen point `at`. */
export function openContextMenu(ctx, key, at, returnTo) {
  if (key && !ctx.selection.has(key)) ctx.select([key]);
  const vpBox = ctx.viewport.getBoundingClientRect();
  const p = geo.toBoard(ctx.view, { x: at.x - vpBox.left, y: at.y - vpBox.top });
  const label = key?.startsWith('note:') ? 'Note actions' : key ? 'Group actions' : 'Board actions';
  const anchor = { getBoundingClientRect: () => ({ left: at.x, right: at.x, top: at.y, bottom: at.y }),
    focus: () => (returnTo ? returnTo.focus({ preventScroll: true }) : ctx.viewport.focus({ preventScroll: true })) };
  return popover(anchor, menuItems(ctx, key, p), { label, at, className: 'context-menu' });
}

/** Right click on the canvas opens it; so do the menu key and Shift+F10 (keys.js 'menu'). */
export function installContextMenu(ctx) {
  ctx.viewport.addEventListener('contextmenu', (e) => {
    if (e.target.closest('input, textarea, .popover')) return;
    e.preventDefault();
    const item = e.target.closest('.note, .frame');
    const key = item ? `${item.dataset.kind}:${item.dataset.id}` : null;
    openContextMenu(ctx, key, { x: e.clientX, y: e.clientY });
  });
  ctx.openItemMenu = (target) => {
    const key = target?.dataset?.key || null;
    const box = (key ? target : ctx.viewport).getBoundingClientRect();
    const at = key ? { x: box.left + 12, y: box.bottom - 8 } : { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    openContextMenu(ctx, key, at, key ? target : null);
  };
}
