// Every board shortcut in one place, each an action with its key test (excalidraw's
// keyTest/perform pairs), behind ONE "is the user typing" guard. The shortcuts sheet
// (shortcuts.js) lists what these do.

import { movingRows, moveOps } from './tools/move.js';

/** True when a key event belongs to a text field, a menu or a dialog, not to the board. */
export function isTyping(e) {
  return !!e.target?.closest?.('input, textarea, select, [contenteditable], dialog, .popover');
}

const mod = (e) => e.ctrlKey || e.metaKey;
const plain = (e) => !e.ctrlKey && !e.metaKey && !e.altKey;
const key = (...names) => (e) => names.includes(e.key);
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/** The board's actions: [name, keyTest(e), perform(ctx, e)]. The first whose test passes runs. */
export const KEYMAP = [
  ['undo', (e) => mod(e) && !e.shiftKey && key('z', 'Z')(e), (ctx) => ctx.undo()],
  ['redo', (e) => mod(e) && ((e.shiftKey && key('z', 'Z')(e)) || e.key === 'y'), (ctx) => ctx.redo()],
  ['duplicate', (e) => mod(e) && e.key === 'd', (ctx) => ctx.duplicate()],
  ['selectAll', (e) => mod(e) && e.key === 'a', (ctx) => ctx.selectAll()],
  ['ungroup', (e) => mod(e) && e.shiftKey && key('g', 'G')(e), (ctx) => ctx.ungroupSelection()],
  ['group', (e) => mod(e) && !e.shiftKey && key('g', 'G')(e), (ctx) => ctx.groupSelection()],
  ['search', (e) => mod(e) && !e.shiftKey && key('f', 'F')(e), (ctx) => ctx.openSearch?.()],
  ['zoomReset', (e) => mod(e) && e.key === '0', (ctx) => ctx.zoomTo(1)],
  ['zoomIn', (e) => mod(e) && key('=', '+')(e), (ctx) => ctx.zoomBy(1.25)],
  ['zoomOut', (e) => mod(e) && e.key === '-', (ctx) => ctx.zoomBy(0.8)],
  ['delete', (e) => plain(e) && key('Delete', 'Backspace')(e), (ctx, e) => {
    const wasFocused = !!e.target.dataset?.key;
    ctx.deleteSelection();
    if (wasFocused) ctx.focusCurrent(); // keep a keyboard user on the board, not on <body>
  }],
  ['escape', (e) => plain(e) && e.key === 'Escape', (ctx) => { ctx.clearSelection(); ctx.closePopovers?.(); }, { keepDefault: true }],
  ['newNote', (e) => plain(e) && key('n', 'N')(e), (ctx) => ctx.newNoteAt(ctx.dropPoint(), { placed: !ctx.pointerOnCanvas() })],
  ['zoomInKey', (e) => plain(e) && key('+', '=')(e), (ctx) => ctx.zoomBy(1.25)],
  ['zoomOutKey', (e) => plain(e) && key('-', '_')(e), (ctx) => ctx.zoomBy(0.8)],
  ['fit', (e) => plain(e) && (e.key === '!' || (e.key === '1' && e.shiftKey)), (ctx) => ctx.fit()],
  ['hand', (e) => plain(e) && key('h', 'H')(e), (ctx) => ctx.setMode('hand')],
  ['select', (e) => plain(e) && key('v', 'V')(e), (ctx) => ctx.setMode('select')],
  ['organize', (e) => plain(e) && key('o', 'O')(e), (ctx) => ctx.openOrganize?.()],
  ['help', (e) => !mod(e) && e.key === '?', (ctx) => ctx.openHelp?.()],
  ['edit', (e) => plain(e) && e.key === 'Enter', (ctx, e) => editSelected(ctx, e), { keepDefault: true }],
  ['nudge', (e) => !e.ctrlKey && !e.metaKey && !e.altKey && e.key in ARROWS, (ctx, e) => nudge(ctx, e), { keepDefault: true }],
  ['menu', (e) => e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10'), (ctx, e) => ctx.openItemMenu?.(e.target)],
];

/** Enter edits the one selected note, or the one selected frame's title. */
function editSelected(ctx, e) {
  const notes = ctx.selectedNotes(), groups = ctx.selectedGroups();
  if (notes.length === 1 && !groups.length) { e.preventDefault(); ctx.editNote(notes[0].id); }
  else if (groups.length === 1 && !notes.length) { e.preventDefault(); ctx.editTitle(groups[0].id); }
}

/**
 * Arrow keys on a focused note or frame title move focus to its neighbour (Shift+arrow
 * nudges it by 10); elsewhere (after a click) they nudge the selection (Shift: by 50).
 * Frames carry what they hold.
 */
function nudge(ctx, e) {
  const focused = e.target.dataset?.key;
  if (focused && !e.shiftKey) {
    e.preventDefault();
    ctx.moveFocus(focused, { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' }[e.key]);
    return;
  }
  if (!ctx.selection.size) {
    e.preventDefault();
    ctx.focusCurrent();
    return;
  }
  e.preventDefault();
  const step = e.shiftKey && !focused ? 50 : 10;
  const [ax, ay] = ARROWS[e.key];
  ctx.commit(moveOps(movingRows(ctx), ax * step, ay * step));
}

/** Listen for the board's keys on the document. */
export function installKeys(ctx) {
  const vp = ctx.viewport;
  ctx.spaceDown = false;
  const spaceUp = () => { ctx.spaceDown = false; vp.classList.remove('space'); };
  document.addEventListener('keydown', (e) => {
    if (isTyping(e)) return;
    // Enter and Space on a button or link press it; they are the board's keys only elsewhere.
    const control = e.target.closest?.('button, a') && !e.target.dataset?.key;
    if (control && (e.key === 'Enter' || e.key === ' ')) return;
    if (e.key === ' ') { ctx.spaceDown = true; vp.classList.add('space'); e.preventDefault(); return; }
    for (const [, test, perform, opts] of KEYMAP) {
      if (!test(e)) continue;
      if (!opts?.keepDefault) e.preventDefault();
      perform(ctx, e);
      return;
    }
  });
  document.addEventListener('keyup', (e) => { if (e.key === ' ') spaceUp(); });
  window.addEventListener('blur', spaceUp);
}
