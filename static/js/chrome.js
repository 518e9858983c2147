// The board's surrounding UI: header (name, presence, connection, AI status), toolbars,
// selection bar, zoom, frame menus, the Organize popover and progress, the board menu
// (export / import). It reads ctx and calls its actions; it never touches notes' DOM.

import { api } from './api.js';
import { COLORS } from './state.js';
import { toast, showError, editInPlace } from './ui.js';

const $ = (sel) => document.querySelector(sel);

/** Wire every control outside the canvas. */
export function installChrome(ctx) {
  // ---- toolbar ----
  for (const b of document.querySelectorAll('.toolbar [data-mode]')) {
    b.addEventListener('click', () => ctx.setMode(b.dataset.mode));
  }
  $('#add-note').addEventListener('click', () => ctx.newNoteAt(ctx.dropPoint()));
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
  ctx.closePopovers = () => document.querySelectorAll('.popover').forEach((p) => p.remove());
  document.addEventListener('pointerdown', (e) => {
    if (!e.target.closest('.popover, [aria-haspopup]')) ctx.closePopovers();
  }, true);
  ctx.openFrameMenu = (gid, anchor) => frameMenu(ctx, gid, anchor);
  $('#menu-btn').addEventListener('click', (e) => boardMenu(ctx, e.currentTarget));
  $('#organize-btn').addEventListener('click', (e) => organizePopover(ctx, e.currentTarget));
  $('#organize-btn').setAttribute('aria-haspopup', 'true');
  $('#ai-status').addEventListener('click', (e) => aiPopover(ctx, e.currentTarget));
  $('#ai-status').setAttribute('aria-haspopup', 'true');
  $('.op-cancel').addEventListener('click', () => cancelOrganize(ctx));
  document.addEventListener('keydown', (e) => {
    if (e.target.closest?.('input, textarea, dialog') || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'o' || e.key === 'O') organizePopover(ctx, $('#organize-btn'));
  });
  $('#import-file').addEventListener('change', (e) => importFile(ctx, e.target.files?.[0], e.target));
  // Dropping a .txt/.md list or a board .json on the canvas imports it like the menu does.
  ctx.viewport.addEventListener('dragover', (e) => {
    if ([...(e.dataTransfer?.types || [])].includes('Files')) { e.preventDefault(); ctx.viewport.classList.add('drop'); }
  });
  ctx.viewport.addEventListener('dragleave', () => ctx.viewport.classList.remove('drop'));
  ctx.viewport.addEventListener('drop', (e) => {
    ctx.viewport.classList.remove('drop');
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    importFile(ctx, file);
  });
  $('#help-btn').addEventListener('click', (e) => helpPopover(e.currentTarget));
  document.addEventListener('keydown', (e) => {
    if (e.key === '?' && !e.target.closest?.('input, textarea, dialog')) helpPopover($('#help-btn'));
  });

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
  document.title = `${m.board.name || 'Untitled board'} · Herd`;
  setText($('#zoom-label'), `${Math.round(ctx.view.zoom * 100)}%`);
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
      b.classList.toggle('current', colors.size === 1 && colors.has(b.dataset.color));
    }
    selbar.querySelector('.swatches').hidden = !notes.length;
    $('#sel-group').hidden = !notes.length;
    $('#sel-ungroup').hidden = !groups.length;
    $('#sel-dup').hidden = !notes.length;
  }
  $('#empty-hint').hidden = m.notes.size > 0 || m.groups.size > 0;
  showOrganize(ctx);
}

function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

function renameBoard(ctx) {
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

/** A small floating menu anchored under a button. items: [{label, title?, run, danger?} | 'sep']. */
function popover(anchor, items, { className = '', label = 'Menu' } = {}) {
  document.querySelectorAll('.popover').forEach((p) => p.remove());
  const pop = document.createElement('div');
  pop.className = `popover menu ${className}`;
  pop.setAttribute('role', 'menu');
  pop.setAttribute('aria-label', label);
  for (const it of items) {
    if (it === 'sep') { pop.append(Object.assign(document.createElement('hr'), { className: 'menu-sep' })); continue; }
    if (it.heading) {
      const h = document.createElement('div');
      h.className = 'menu-heading';
      h.textContent = it.heading;
      pop.append(h);
      continue;
    }
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'menu-item' + (it.danger ? ' danger' : '');
    b.setAttribute('role', 'menuitem');
    b.textContent = it.label;
    if (it.title) b.title = it.title;
    if (it.hint) {
      const k = document.createElement('span');
      k.className = 'menu-hint';
      k.textContent = it.hint;
      b.append(k);
    }
    b.addEventListener('click', () => { pop.remove(); it.run(); });
    pop.append(b);
  }
  place(pop, anchor);
  pop.querySelector('button')?.focus();
  pop.addEventListener('keydown', (e) => { if (e.key === 'Escape') { pop.remove(); anchor.focus?.(); } });
  return pop;
}

function place(pop, anchor) {
  document.body.append(pop);
  const r = anchor.getBoundingClientRect();
  const pw = pop.offsetWidth;
  const left = Math.max(8, Math.min(window.innerWidth - pw - 8, r.right - pw));
  pop.style.left = `${r.right - pw < 8 ? Math.max(8, r.left) : left}px`;
  pop.style.top = `${r.bottom + 6}px`;
}

function frameMenu(ctx, gid, anchor) {
  ctx.select(['group:' + gid]);
  popover(anchor, [
    { label: 'Rename', hint: 'Enter', run: () => ctx.editTitle(gid) },
    { label: 'Rename with AI', title: 'Ask the local model for a fresh name', run: () => renameWithAi(ctx, gid) },
    { label: 'Select notes in group', run: () => ctx.select(
      [...ctx.model.notes.values()].filter((n) => n.group_id === gid).map((n) => 'note:' + n.id)) },
    'sep',
    { label: 'Remove group (keep notes)', hint: 'Ctrl+Shift+G', danger: true, run: () => ctx.ungroupSelection() },
  ], { label: 'Group options' });
}

async function renameWithAi(ctx, gid) {
  const el = ctx.renderer.frameEl(gid);
  el?.classList.add('thinking');
  try {
    const { title } = await api.suggestTitle(ctx.boardId, gid);
    const g = ctx.model.groups.get(gid);
    if (g && title && title !== g.title) {
      await ctx.commit([{ op: 'update', kind: 'group', id: gid, fields: { title } }]);
    }
  } catch (e) {
    showError(e);
  } finally {
    el?.classList.remove('thinking');
  }
}

// ---- board menu: export and import ----

function boardMenu(ctx, anchor) {
  const dl = (format, view) => download(api.exportUrl(ctx.boardId, format, view));
  popover(anchor, [
    { heading: 'Download' },
    { label: 'Markdown (.md)', run: () => dl('md') },
    { label: 'Spreadsheet (.csv)', run: () => dl('csv') },
    { label: 'Board file (.json)', run: () => dl('json') },
    { label: 'Image of the board (.png)', run: () => dl('png') },
    { label: 'Image of this view (.png)', run: () => dl('png', ctx.visibleRect()) },
    { label: 'Vector image (.svg)', run: () => dl('svg') },
    'sep',
    { heading: 'Import' },
    { label: 'Import list or board file…', title: '.txt / .md: one note per line. .json: a board exported from Herd (opens as a new board).', run: () => $('#import-file').click() },
    'sep',
    { label: 'All boards', run: () => { location.href = '/'; } },
  ], { label: 'Board menu' });
}

/** Start a download without leaving the page; an error answer is shown as a toast. */
async function download(url) {
  try {
    const resp = await fetch(url);
    if (!resp.ok) {
      let msg = `Export failed (${resp.status}).`;
      try { msg = (await resp.json()).error.message; } catch { /* not JSON */ }
      throw new Error(msg);
    }
    const blob = await resp.blob();
    const cd = resp.headers.get('Content-Disposition') || '';
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = m ? decodeURIComponent(m[1]) : 'herd-board';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } catch (e) {
    showError(e);
  }
}

async function importFile(ctx, file, input = null) {
  if (input) input.value = '';
  if (!file) return;
  if (file.size > 1_000_000) { toast('That file is over 1 MB, too large to import.', { kind: 'error' }); return; }
  const text = await file.text();
  try {
    if (/\.json$/i.test(file.name) || file.type === 'application/json') {
      let data;
      try { data = JSON.parse(text); } catch { throw new Error('That .json file is not valid JSON, so it cannot be a Herd board.'); }
      const board = await api.importBoard(data);
      toast(`Imported "${board.name}" as a new board. Opening it…`);
      location.href = `/b/${encodeURIComponent(board.id)}`;
    } else {
      const r = ctx.visibleRect();
      const res = await api.importText(ctx.boardId, text, { x: r.x + r.w / 2, y: r.y + r.h / 2 });
      await ctx.resync();
      const ids = (res?.results || []).map((r) => 'note:' + r.id);
      ctx.select(ids);
      toast(`Imported ${ids.length} note${ids.length === 1 ? '' : 's'} from ${file.name}.`);
    }
  } catch (e) {
    showError(e);
  }
}

// ---- AI status ----

async function refreshAi(ctx) {
  const chip = $('#ai-status');
  try {
    ctx.ai = await api.ai();
  } catch (e) {
    ctx.ai = { enabled: false, ready: false, message: e.status === 404 ? 'This server has no AI status yet.' : e.message };
  }
  const ai = ctx.ai;
  const state = ai.ready ? 'ready' : ai.enabled ? 'starting' : 'off';
  chip.dataset.state = state;
  chip.querySelector('.label').textContent = { ready: 'AI ready', starting: 'AI not ready', off: 'AI off' }[state];
  chip.title = ai.ready ? `AI ready: ${[ai.embed?.model, ai.chat?.model].filter(Boolean).join(' + ')}` : (ai.message || 'AI is not available');
  chip.setAttribute('aria-label', `AI status: ${chip.title}`);
  if (ai.enabled && !ai.ready) setTimeout(() => refreshAi(ctx), 5000);
}

function aiPopover(ctx, anchor) {
  document.querySelectorAll('.popover').forEach((p) => p.remove());
  const ai = ctx.ai || {};
  const pop = document.createElement('div');
  pop.className = 'popover ai-pop';
  pop.setAttribute('role', 'dialog');
  pop.setAttribute('aria-label', 'AI status');
  const h = document.createElement('h3');
  h.textContent = ai.ready ? 'Local AI is ready' : ai.enabled ? 'Local AI is not ready' : 'Local AI is off';
  pop.append(h);
  for (const [role, info] of [['Embeddings', ai.embed], ['Labels', ai.chat]]) {
    if (!info) continue;
    const row = document.createElement('div');
    row.className = 'ai-row';
    row.textContent = `${role}: ${info.model || 'unknown model'}${info.dialect ? ` · ${info.dialect}` : ''} · ${info.ready ? 'ready' : 'not ready'}`;
    pop.append(row);
  }
  if (ai.message) {
    const p = document.createElement('p');
    p.textContent = ai.message;
    pop.append(p);
  }
  if (ai.fix) {
    const code = document.createElement('code');
    code.className = 'fix';
    code.textContent = ai.fix;
    pop.append(code);
  }
  const note = document.createElement('p');
  note.className = 'muted';
  note.textContent = 'Everything runs on this machine; no note leaves it.';
  pop.append(note);
  place(pop, anchor);
}

// ---- Organize ----

function organizePopover(ctx, anchor) {
  if (document.querySelector('.organize-pop')) { ctx.closePopovers(); return; }
  ctx.closePopovers();
  const selected = ctx.selectedNotes().length;
  const pop = document.createElement('form');
  pop.className = 'popover organize-pop';
  pop.setAttribute('role', 'dialog');
  pop.setAttribute('aria-label', 'Organize');
  const h = document.createElement('h3');
  h.textContent = 'Organize into groups';
  const sub = document.createElement('p');
  sub.className = 'muted';
  sub.textContent = 'Notes are grouped by meaning and each group is named by the local AI.';
  pop.append(h, sub);

  const groupsRow = field('Number of groups');
  const sel = document.createElement('select');
  sel.name = 'groups';
  sel.setAttribute('aria-label', 'Number of groups');
  sel.append(new Option('Automatic', 'auto'));
  for (let k = 2; k <= 20; k++) sel.append(new Option(String(k), String(k)));
  groupsRow.append(sel);

  const scopeRow = field('Notes');
  const scopeAll = radio('scope', 'all', `All notes (${ctx.model.notes.size})`, !selected);
  const scopeSel = radio('scope', 'selected', `Selected notes (${selected})`, !!selected);
  scopeSel.querySelector('input').disabled = !selected;
  scopeRow.append(scopeAll, scopeSel);

  const keep = document.createElement('label');
  keep.className = 'check';
  const keepBox = document.createElement('input');
  keepBox.type = 'checkbox';
  keepBox.name = 'keep';
  keepBox.checked = true;
  keep.append(keepBox, document.createTextNode(' Keep notes in my groups where they are'));

  const go = document.createElement('button');
  go.type = 'submit';
  go.className = 'btn primary wide';
  go.textContent = 'Organize';
  const aiState = document.createElement('p');
  aiState.className = 'ai-warn';
  if (ctx.ai && !ctx.ai.ready) aiState.textContent = ctx.ai.message || 'The local AI is not ready.';
  pop.append(groupsRow, scopeRow, keep, aiState, go);
  pop.addEventListener('submit', async (e) => {
    e.preventDefault();
    const scope = pop.querySelector('input[name=scope]:checked')?.value;
    const body = {
      groups: sel.value === 'auto' ? null : Number(sel.value),
      note_ids: scope === 'selected' ? ctx.selectedNotes().map((n) => n.id) : null,
      keep_groups: keepBox.checked,
      view: ctx.visibleRect(),
    };
    go.disabled = true;
    try {
      const { job } = await api.organize(ctx.boardId, body);
      pop.remove();
      ctx.myJob = job.id;
      // Live progress may have overtaken this answer: keep the newer state.
      if (ctx.organizeJob?.id !== job.id) ctx.organizeJob = job;
      showOrganize(ctx);
      pollJob(ctx, job.id);
    } catch (err) {
      go.disabled = false;
      showError(err);
    }
  });
  pop.addEventListener('keydown', (e) => { if (e.key === 'Escape') pop.remove(); e.stopPropagation(); });
  place(pop, anchor);
  sel.focus();
}

function field(label) {
  const d = document.createElement('fieldset');
  d.className = 'field';
  const l = document.createElement('legend');
  l.textContent = label;
  d.append(l);
  return d;
}

function radio(name, value, label, checked) {
  const l = document.createElement('label');
  l.className = 'radio';
  const i = document.createElement('input');
  i.type = 'radio';
  i.name = name;
  i.value = value;
  i.checked = checked;
  l.append(i, document.createTextNode(' ' + label));
  return l;
}

/** Live events bring progress to everyone; the starter also polls in case events lag. */
async function pollJob(ctx, jobId) {
  while (ctx.organizeJob?.id === jobId && ctx.organizeJob.state === 'running') {
    await new Promise((r) => setTimeout(r, 1000));
    try {
      const { job } = await api.organizeJob(ctx.boardId, jobId);
      if (ctx.organizeJob?.id === jobId && job.state !== ctx.organizeJob.state) {
        ctx.organizeJob = job;
        showOrganize(ctx);
      }
    } catch { /* live events still carry it */ }
  }
}

const STAGES = { embedding: 'Reading notes', grouping: 'Finding groups', naming: 'Naming groups', placing: 'Placing notes' };
let shownJobState = null;

function showOrganize(ctx) {
  const job = ctx.organizeJob;
  const box = $('#organize-progress');
  if (!job) { box.hidden = true; return; }
  const key = `${job.id}:${job.state}`;
  if (job.state === 'running') {
    box.hidden = false;
    setText(box.querySelector('.op-stage'), job.stage ? `${STAGES[job.stage] || job.stage}…` : 'Starting…');
    const what = { embedding: 'notes', naming: 'groups', placing: 'notes', grouping: 'notes' }[job.stage] || 'notes';
    setText(box.querySelector('.op-counts'), job.total ? `${job.done} of ${job.total} ${what}` : '');
    box.querySelector('.op-bar div').style.width = job.total ? `${Math.round((100 * job.done) / job.total)}%` : '8%';
    $('#organize-btn').disabled = true;
    return;
  }
  box.hidden = true;
  $('#organize-btn').disabled = false;
  if (shownJobState === key) return;
  shownJobState = key;
  if (job.state === 'done') {
    const mine = ctx.myJob === job.id;
    toast(`Organized ${job.notes} note${job.notes === 1 ? '' : 's'} into ${job.groups} group${job.groups === 1 ? '' : 's'}`, {
      action: job.undoable !== false ? 'Undo' : undefined,
      ms: mine ? 15000 : 6000,
      onAction: async () => {
        try {
          await api.undoOrganize(ctx.boardId, job.id);
          // The undo's live event carries our client id (so it is skipped as an echo): refetch.
          await ctx.resync();
          toast('Organize undone: every note is back where it was.');
        } catch (e) { showError(e); }
      },
    });
  } else if (job.state === 'failed') {
    toast(job.message || 'Organize failed; the board is unchanged.', { kind: 'error' });
  } else if (job.state === 'cancelled') {
    toast('Organize was cancelled; the board is unchanged.');
  }
}

async function cancelOrganize(ctx) {
  const job = ctx.organizeJob;
  if (!job) return;
  try {
    const res = await api.cancelOrganize(ctx.boardId, job.id);
    ctx.organizeJob = res.job;
    showOrganize(ctx);
  } catch (e) {
    showError(e);
  }
}

// ---- keyboard shortcuts ----

const SHORTCUTS = [
  ['N or double-click', 'Add a note'],
  ['Enter', 'Edit the selected note or group title'],
  ['Esc or Ctrl+Enter', 'Finish editing'],
  ['Drag the canvas', 'Pan (Hand tool, H)'],
  ['Space + drag, wheel', 'Pan'],
  ['Shift + drag', 'Select an area (or Select tool, V)'],
  ['Shift + click', 'Add to / remove from the selection'],
  ['Ctrl + wheel, pinch', 'Zoom around the pointer'],
  ['+ / −, Ctrl+0', 'Zoom in / out, 100%'],
  ['Shift+1', 'Fit to content'],
  ['Arrow keys', 'Nudge the selection (Shift: more)'],
  ['Delete, Backspace', 'Delete the selection'],
  ['Ctrl+D', 'Duplicate'],
  ['Ctrl+C / Ctrl+V', 'Copy / paste notes; paste a list for one note per line'],
  ['Ctrl+G / Ctrl+Shift+G', 'Group the selection / remove the group'],
  ['Ctrl+Z / Ctrl+Shift+Z, Ctrl+Y', 'Undo / redo'],
  ['O', 'Organize'],
  ['Drop a .txt, .md or .json file', 'Import it (one note per line, or a whole board)'],
];

function helpPopover(anchor) {
  if (document.querySelector('.help-pop')) { document.querySelector('.help-pop').remove(); return; }
  document.querySelectorAll('.popover').forEach((p) => p.remove());
  const pop = document.createElement('div');
  pop.className = 'popover help-pop';
  pop.setAttribute('role', 'dialog');
  pop.setAttribute('aria-label', 'Keyboard shortcuts');
  const h = document.createElement('h3');
  h.textContent = 'Keyboard shortcuts';
  const dl = document.createElement('dl');
  for (const [keys, what] of SHORTCUTS) {
    const dt = document.createElement('dt');
    dt.textContent = keys;
    const dd = document.createElement('dd');
    dd.textContent = what;
    dl.append(dt, dd);
  }
  pop.append(h, dl);
  document.body.append(pop);
  const r = anchor.getBoundingClientRect();
  pop.style.right = `${Math.max(8, window.innerWidth - r.right)}px`;
  pop.style.bottom = `${window.innerHeight - r.top + 8}px`;
}
