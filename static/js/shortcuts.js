// The keyboard shortcuts sheet, opened from the help button or with "?".

import { closePopovers } from './popover.js';
import { el } from './ui.js';

const SHORTCUTS = [
  ['N or double-click', 'Add a note'],
  ['Enter', 'Edit the selected note or group title'],
  ['Esc, Ctrl+Enter (note), Enter (title)', 'Finish editing, keeping the change'],
  ['Drag the canvas', 'Pan (Hand tool, H)'],
  ['Space + drag, wheel', 'Pan'],
  ['Shift + drag', 'Select an area (or Select tool, V)'],
  ['Shift + click', 'Add to / remove from the selection'],
  ['Ctrl + wheel, pinch', 'Zoom around the pointer'],
  ['+ / −, Ctrl+0', 'Zoom in / out, 100%'],
  ['Shift+1', 'Fit to content'],
  ['Tab, then arrow keys', 'Move between notes and groups (the skip link jumps to them)'],
  ['Arrow keys', 'Nudge the selection (Shift: more); on a focused note, Shift+arrow'],
  ['Right click, menu key, Shift+F10', 'Actions for a note, a group or the board'],
  ['Delete, Backspace', 'Delete the selection'],
  ['Ctrl+D', 'Duplicate'],
  ['Ctrl+C / Ctrl+V', 'Copy / paste notes; paste a list for one note per line'],
  ['Ctrl+G / Ctrl+Shift+G', 'Group the selection / remove the group'],
  ['Ctrl+Z / Ctrl+Shift+Z, Ctrl+Y', 'Undo / redo'],
  ['O', 'Organize'],
  ['Ctrl+F, then Enter / Shift+Enter', 'Search notes and group titles: next / previous match'],
  ['Drop a .txt, .md or .json file', 'Import it (one note per line, or a whole board)'],
];

/** Toggle the keyboard shortcuts sheet above `anchor`. */
export function helpPopover(anchor) {
  if (document.querySelector('.help-pop')) { document.querySelector('.help-pop').remove(); return; }
  closePopovers();
  // Focusable, so the keyboard can scroll it when the window is too short to show it all.
  const pop = el('div', 'popover help-pop', { role: 'dialog', 'aria-label': 'Keyboard shortcuts', tabindex: '0' });
  const h = el('h2', '', {}, 'Keyboard shortcuts');
  const dl = document.createElement('dl');
  for (const [keys, what] of SHORTCUTS) {
    const dt = document.createElement('dt');
    dt.textContent = keys;
    const dd = document.createElement('dd');
    dd.textContent = what;
    dl.append(dt, dd);
  }
  pop.append(h, dl);
  (document.querySelector('.board-tools') || document.body).append(pop);
  const r = anchor.getBoundingClientRect();
  pop.style.right = `${Math.max(8, window.innerWidth - r.right)}px`;
  pop.style.bottom = `${window.innerHeight - r.top + 8}px`;
  const back = document.activeElement; // Esc returns there (the board keys skip popovers)
  pop.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' || e.key === '?') { e.preventDefault(); pop.remove(); back?.focus?.({ preventScroll: true }); }
  });
  pop.focus({ preventScroll: true });
}
