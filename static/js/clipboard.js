// Copy, cut and paste of notes (our own type, kept here too in case the browser drops it),
// and pasting a text list as one note per line.

import * as S from './state.js';
import { isTyping } from './keys.js';

const MIME = 'application/x-herd-notes';

/** Listen for copy, cut and paste on the document. */
export function installClipboard(ctx) {
  let clip = null; // {text, notes}

  function copy(e) {
    if (isTyping(e)) return false;
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
    if (isTyping(e)) return;
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
