// Share: the board's three links (facilitator, editor, viewer), each with what that role may
// do, a copy button, a QR code for a room (drawn by the server), and rotate, which cuts off
// whoever holds the old link. Only facilitators (and the owner) see this; the server enforces it.

import { api } from './api.js';
import { closePopovers, place } from './popover.js';
import { el, showError, toast, confirmDialog } from './ui.js';

const ROLES = [
  ['facilitator', 'Facilitator'],
  ['editor', 'Editor'],
  ['viewer', 'Viewer'],
];

/** Wire the Share button (shown only to those who may manage the board). */
export function installShare(ctx) {
  const btn = document.getElementById('share-btn');
  if (!btn) return;
  btn.hidden = !ctx.may('manage');
  btn.addEventListener('click', () => sharePopover(ctx, btn));
}

async function sharePopover(ctx, anchor) {
  closePopovers();
  let links;
  try {
    links = await api.links(ctx.boardId);
  } catch (e) { showError(e); return; }
  const pop = el('div', 'popover share-pop', { role: 'dialog', 'aria-label': 'Share this board' });
  pop.append(el('h2', '', {}, 'Share this board'),
    el('p', 'muted', {}, 'Anyone with a link joins with its role. Rotate a link to cut off everyone who has it.'));
  const rows = el('div', 'share-rows');
  pop.append(rows);
  const draw = (data) => {
    rows.replaceChildren(...ROLES.map(([role, name]) => row(ctx, role, name, data, draw)));
  };
  draw(links);
  pop.addEventListener('keydown', (e) => { if (e.key === 'Escape') { pop.remove(); anchor.focus(); } });
  place(pop, anchor);
  pop.querySelector('input')?.focus();
}

function row(ctx, role, name, data, redraw) {
  const box = el('section', 'share-row', { 'data-role': role, 'aria-label': `${name} link` });
  box.append(el('h4', '', {}, name), el('p', 'share-can', {}, data.can?.[role] || ''));
  const line = el('div', 'share-line');
  const input = el('input', 'text-input share-url', { type: 'text', readonly: '',
    'aria-label': `${name} link` });
  input.value = data[role];
  input.addEventListener('focus', () => input.select());
  const copy = el('button', 'btn small', { type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      toast(`${name} link copied.`);
    } catch {
      input.select();
      toast('Press Ctrl+C to copy the selected link.');
    }
  });
  const qr = el('button', 'btn small', { type: 'button', 'aria-expanded': 'false' }, 'QR');
  qr.addEventListener('click', () => {
    const shown = box.querySelector('.share-qr');
    if (shown) { shown.remove(); qr.setAttribute('aria-expanded', 'false'); return; }
    const img = el('img', 'share-qr', { alt: `QR code of the ${name.toLowerCase()} link`,
      src: `${api.linkQrUrl(ctx.boardId, role)}&t=${Date.now()}` });
    box.append(img);
    qr.setAttribute('aria-expanded', 'true');
  });
  const rotate = el('button', 'btn small danger', { type: 'button' }, 'Rotate');
  rotate.addEventListener('click', async () => {
    const ok = await confirmDialog(`Rotate the ${name.toLowerCase()} link?`,
      `Everyone who joined with the current ${name.toLowerCase()} link is cut off at once and needs the new one.`,
      'Rotate');
    if (!ok) return;
    try {
      redraw(await api.rotateLink(ctx.boardId, role));
      toast(`New ${name.toLowerCase()} link made; the old one no longer works.`);
    } catch (e) { showError(e); }
  });
  line.append(input, copy, qr, rotate);
  box.append(line);
  return box;
}
