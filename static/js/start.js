// The start page: list boards (name, notes, last change), create, rename, delete.

import { api } from './api.js';
import { toast, showError, confirmDialog, timeAgo, editInPlace } from './ui.js';
import { bindToggle } from './theme.js';

bindToggle(document.getElementById('theme-btn'));

const list = document.getElementById('boards');
const empty = document.getElementById('no-boards');
const COLORS = ['#ffe27a', '#ffc285', '#ffb3cf', '#d5c2ff', '#a9d5ff', '#b5e6a7'];

const PENCIL = '<svg class="ic" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linejoin="round"/></svg>';
const TRASH = '<svg class="ic" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" stroke-linejoin="round"/></svg>';

/** A little decorative pile of stickies, stable per board id. */
function thumb(board) {
  const t = document.createElement('div');
  t.className = 'thumb';
  let h = 0;
  for (const ch of board.id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const n = Math.min(board.note_count || 0, 7);
  for (let i = 0; i < n; i++) {
    h = (h * 1103515245 + 12345) >>> 0;
    const s = document.createElement('span');
    s.style.left = `${12 + (h % 200)}px`;
    s.style.top = `${14 + ((h >>> 8) % 62)}px`;
    s.style.background = COLORS[(h >>> 16) % COLORS.length];
    s.style.transform = `rotate(${((h >>> 4) % 9) - 4}deg)`;
    t.append(s);
  }
  return t;
}

function card(board) {
  const li = document.createElement('li');
  li.className = 'board-card';
  li.dataset.id = board.id;
  const a = document.createElement('a');
  a.href = `/b/${encodeURIComponent(board.id)}`;
  const name = document.createElement('span');
  name.className = 'card-name';
  name.textContent = board.name || 'Untitled board';
  const meta = document.createElement('span');
  meta.className = 'card-meta';
  const n = board.note_count ?? 0;
  meta.textContent = `${n} note${n === 1 ? '' : 's'} · ${timeAgo(board.updated_at)}`;
  meta.title = `Last change ${new Date(board.updated_at).toLocaleString()}`;
  a.append(thumb(board), name, meta);
  const actions = document.createElement('div');
  actions.className = 'card-actions';
  const ren = iconButton(PENCIL, `Rename board ${board.name}`, 'Rename');
  ren.addEventListener('click', () => rename(li, board));
  const del = iconButton(TRASH, `Delete board ${board.name}`, 'Delete');
  del.classList.add('danger');
  del.addEventListener('click', () => remove(board));
  actions.append(ren, del);
  li.append(a, actions);
  return li;
}

function iconButton(svg, label, title) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'icon-btn';
  b.setAttribute('aria-label', label);
  b.title = title;
  b.innerHTML = svg; // a constant icon, never user data
  return b;
}

async function load() {
  try {
    const { boards } = await api.listBoards();
    list.replaceChildren(...boards.map(card));
    empty.hidden = boards.length > 0;
  } catch (e) {
    showError(e);
  }
}

function rename(li, board) {
  editInPlace(li.querySelector('.card-name'), {
    value: board.name, label: 'New board name', className: 'rename-input',
    place: (input) => li.querySelector('a').before(input),
    onDone: async (value) => {
      try {
        await api.renameBoard(board.id, value);
        await load();
      } catch (e) { showError(e); }
    },
  });
}

async function remove(board) {
  const n = board.note_count ?? 0;
  const ok = await confirmDialog(`Delete "${board.name}"?`,
    `This deletes the board and its ${n} note${n === 1 ? '' : 's'} for everyone. It cannot be undone.`);
  if (!ok) return;
  try {
    await api.deleteBoard(board.id);
    toast(`Deleted "${board.name}".`);
    await load();
  } catch (e) {
    showError(e);
  }
}

/** Where a pasted link or token leads: a board link as it is, a bare token to the owner's. */
export function destination(text, origin = location.origin) {
  const value = text.trim();
  if (!value) return null;
  try {
    const url = new URL(value, origin);
    if (url.origin === origin && (url.searchParams.has('key') || url.searchParams.has('token'))) {
      return url.pathname + url.search;
    }
  } catch { /* not a URL */ }
  return /^[A-Za-z0-9_-]{16,}$/.test(value) ? `/?token=${encodeURIComponent(value)}` : null;
}

const linkForm = document.getElementById('link-form');
linkForm?.addEventListener('submit', (e) => {
  e.preventDefault();
  const to = destination(document.getElementById('link-input').value);
  if (to) location.href = to;
  else toast('That is not a link to this Herd, nor an owner token.', { kind: 'error' });
});

/** One radio card of the "Start from" choice: the template's name, its frames, its timer. */
function templateCard(t) {
  const label = document.createElement('label');
  label.className = 'template-card';
  const input = document.createElement('input');
  input.type = 'radio';
  input.name = 'template';
  input.value = t.id;
  const name = document.createElement('span');
  name.className = 'tc-name';
  name.textContent = t.name;
  const frames = document.createElement('span');
  frames.className = 'tc-frames';
  const minutes = t.timer_seconds ? ` · ${Math.round(t.timer_seconds / 60)} min timer` : '';
  frames.textContent = t.frames.join(' / ') + minutes;
  label.title = t.description || t.name;
  label.append(input, name, frames);
  return label;
}

/** The templates the server offers, after the "Empty board" card the page already has. */
async function loadTemplates() {
  const box = document.getElementById('template-choice');
  if (!box) return;
  try {
    const { templates } = await api.listTemplates();
    box.append(...templates.map(templateCard));
  } catch (e) {
    showError(e); // the empty board still works
  }
}

document.getElementById('create-form')?.addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = document.getElementById('new-name');
  const picked = e.currentTarget.querySelector('input[name=template]:checked');
  const template = picked?.value || null;
  const chosen = template && picked.closest('label').querySelector('.tc-name').textContent;
  const name = input.value.trim() || chosen || 'Untitled board';
  try {
    const board = await api.createBoard(name, template);
    location.href = `/b/${encodeURIComponent(board.id)}`;
  } catch (err) {
    showError(err);
  }
});

if (document.body.dataset.owner === '1') { load(); loadTemplates(); }
