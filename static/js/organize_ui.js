// The local AI in the board UI: the AI status chip and its popover, the Organize popover,
// its progress panel, cancel and polling, and renaming a group with AI.

import { api } from './api.js';
import { $, el, setText, toast, showError } from './ui.js';
import { closePopovers, place, popover } from './popover.js';
import { slotBelow } from './geometry.js';

/** Ask the local model for a fresh title for group `gid` and apply it. */
export async function renameWithAi(ctx, gid) {
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

// ---- AI status ----

/** ", 2 of 3 embedding servers answer" for roles served by several servers. */
function serversSaid(ai) {
  return ['embed', 'chat'].map((role) => {
    const all = ai[role]?.servers;
    if (!all) return '';
    const up = all.filter((m) => m.ready).length;
    return `, ${up} of ${all.length} ${role === 'embed' ? 'embedding' : 'naming'} servers answer`;
  }).join('');
}

/** Fetch the AI status into ctx.ai and show it on the chip; re-checks while it starts. */
export async function refreshAi(ctx) {
  const chip = $('#ai-status');
  try {
    ctx.ai = await api.ai();
  } catch (e) {
    ctx.ai = { enabled: false, ready: false, message: e.status === 404 ? 'This server has no AI status yet.' : e.message };
  }
  const ai = ctx.ai;
  const state = ai.ready ? 'ready' : ai.enabled ? 'starting' : 'off';
  chip.dataset.state = state;
  const shown = { ready: 'AI ready', starting: 'AI not ready', off: 'AI off' }[state];
  chip.querySelector('.label').textContent = shown;
  chip.title = ai.ready ? `AI ready: ${[ai.embed?.model, ai.chat?.model].filter(Boolean).join(' + ')}${serversSaid(ai)}${ai.roles?.note ? `. ${ai.roles.note}` : ''}` : (ai.message || 'AI is not available');
  // The name starts with what the chip shows (speech input users say what they see).
  chip.setAttribute('aria-label', `${shown}: ${chip.title.replace(/^AI ready: /, '')}`);
  if (ai.enabled && !ai.ready) setTimeout(() => refreshAi(ctx), 5000);
}

/** Show what the local AI is running (or why not) under `anchor`. */
export function aiPopover(ctx, anchor) {
  closePopovers();
  const ai = ctx.ai || {};
  const pop = document.createElement('div');
  pop.className = 'popover ai-pop';
  pop.setAttribute('role', 'dialog');
  pop.setAttribute('aria-label', 'AI status');
  const h = document.createElement('h2');
  h.textContent = ai.ready ? 'Local AI is ready' : ai.enabled ? 'Local AI is not ready' : 'Local AI is off';
  pop.append(h);
  for (const [role, info] of [['Embeddings', ai.embed], ['Labels', ai.chat]]) {
    if (!info) continue;
    const row = document.createElement('div');
    row.className = 'ai-row';
    row.textContent = `${role}: ${info.model || 'unknown model'}${info.dialect ? ` · ${info.dialect}` : ''}${info.via ? ` · via ${info.via}` : ''} · ${info.ready ? 'ready' : 'not ready'}`;
    pop.append(row);
  }
  if (ai.roles?.note) {
    // Why a model other than the user's does a role: the user asked for theirs.
    const p = document.createElement('p');
    p.className = 'ai-roles';
    p.textContent = ai.roles.note;
    pop.append(p);
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

/** Notes in no group, when there are groups to sort them into (else 0). */
function newNotes(ctx) {
  const groups = [...ctx.model.groups.values()].filter((g) => g.origin !== 'unsorted');
  if (!groups.length) return 0;
  let n = 0;
  for (const note of ctx.model.notes.values()) if (!note.group_id) n += 1;
  return n;
}

/** Start a job (Organize or a sort) and follow it. */
async function startJob(ctx, call, button, pop) {
  button.disabled = true;
  try {
    const { job } = await call();
    pop.remove();
    ctx.myJob = job.id;
    // Live progress may have overtaken this answer: keep the newer state.
    if (ctx.organizeJob?.id !== job.id) ctx.organizeJob = job;
    showOrganize(ctx);
    pollJob(ctx, job.id);
  } catch (err) {
    button.disabled = false;
    showError(err);
  }
}

/** Toggle the Organize popover (sort new notes, number of groups, scope, options) under `anchor`. */
export function organizePopover(ctx, anchor) {
  if (document.querySelector('.organize-pop')) { ctx.closePopovers(); return; }
  ctx.closePopovers();
  const selected = ctx.selectedNotes().length;
  // A dialog holding a form (a form may not take the dialog role itself).
  const pop = el('div', 'popover organize-pop', { role: 'dialog', 'aria-label': 'Organize' });
  const form = el('form');
  pop.append(form);
  const fresh = newNotes(ctx);
  if (fresh) {
    const sortBtn = el('button', 'btn wide sort-new', { type: 'button',
      title: 'Put only the notes in no group into the groups that exist; nothing else moves' },
    `Sort ${fresh} new note${fresh === 1 ? '' : 's'}`);
    const sortPreview = el('button', 'btn', { type: 'button',
      title: 'Show where they would go as outlines first; nothing moves until you Apply' }, 'Preview sort');
    const sortRow = el('div', 'btn-row sort-row');
    sortRow.append(sortPreview, sortBtn);
    const sortJob = (asPreview, button) => startJob(ctx,
      () => api.sortNotes(ctx.boardId, { view: ctx.visibleRect(), preview: asPreview }), button, pop);
    sortBtn.addEventListener('click', () => sortJob(false, sortBtn));
    sortPreview.addEventListener('click', () => sortJob(true, sortPreview));
    form.append(el('h2', '', {}, 'New notes'), sortRow,
      el('p', 'muted', {}, 'Each joins the group it fits best; a note that fits none waits in Unsorted.'));
  }
  form.append(el('h2', '', {}, 'Organize into groups'),
    el('p', 'muted', {}, 'Notes are grouped by meaning and each group is named by the local AI.'));

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

  const loose = document.createElement('label');
  loose.className = 'check';
  const looseBox = document.createElement('input');
  looseBox.type = 'checkbox';
  looseBox.name = 'unsorted';
  loose.append(looseBox, document.createTextNode(' Leave notes that fit no group in Unsorted'));

  const go = el('button', 'btn primary', { type: 'submit' }, 'Organize');
  const preview = el('button', 'btn', { type: 'button',
    title: 'Show the proposed groups as outlines first; nothing moves until you Apply' }, 'Preview');
  const buttons = el('div', 'btn-row');
  buttons.append(preview, go);
  const aiState = document.createElement('p');
  aiState.className = 'ai-warn';
  if (ctx.ai && !ctx.ai.ready) aiState.textContent = ctx.ai.message || 'The local AI is not ready.';
  form.append(groupsRow, scopeRow, keep, loose, aiState, buttons);
  const body = (asPreview) => {
    const scope = form.querySelector('input[name=scope]:checked')?.value;
    return {
      groups: sel.value === 'auto' ? null : Number(sel.value),
      note_ids: scope === 'selected' ? ctx.selectedNotes().map((n) => n.id) : null,
      keep_groups: keepBox.checked,
      unsorted: looseBox.checked,
      preview: asPreview,
      view: ctx.visibleRect(),
    };
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    startJob(ctx, () => api.organize(ctx.boardId, body(false)), go, pop);
  });
  preview.addEventListener('click', () => startJob(ctx, () => api.organize(ctx.boardId, body(true)), preview, pop));
  pop.addEventListener('keydown', (e) => { if (e.key === 'Escape') pop.remove(); e.stopPropagation(); });
  place(pop, anchor);
  (pop.querySelector('.sort-new') || sel).focus();
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

/** Show the Organize job's progress, or its outcome once as a toast. */
export function showOrganize(ctx) {
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
  showPreview(ctx, job.state === 'preview' && ctx.myJob === job.id ? job : null);
  if (shownJobState === key) return;
  shownJobState = key;
  if (job.state === 'done') {
    const mine = ctx.myJob === job.id;
    // Whoever asked for it is shown the result whole, title bars included, as FigJam does.
    if (mine && job.kind !== 'sort') ctx.fit([...ctx.model.groups.values()].filter((g) => g.origin !== 'user'));
    const marked = job.marked || 0; // the marks themselves are the notes' runner_up
    const doubt = marked ? ` · ${marked} marked ? are close between two groups` : '';
    const text = job.kind === 'sort' || job.unsorted ? job.message
      : `Organized ${job.notes} note${job.notes === 1 ? '' : 's'} into ${job.groups} group${job.groups === 1 ? '' : 's'}`;
    toast(text + doubt, {
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
    toast(job.message || 'Organize was cancelled; the board is unchanged.');
  }
}

// ---- preview ----

/** Outline a preview's groups and offer Apply / Discard (only to whoever asked for it). */
function showPreview(ctx, job) {
  ctx.renderer.setPreview(job ? job.proposal : null);
  let bar = document.getElementById('preview-bar');
  if (!job) { bar?.remove(); return; }
  if (bar?.dataset.job === job.id) return;
  bar?.remove();
  bar = el('div', 'preview-bar', { id: 'preview-bar', role: 'status', 'data-job': job.id });
  const apply = el('button', 'btn primary', { type: 'button' }, 'Apply');
  const discard = el('button', 'btn', { type: 'button' }, 'Discard');
  const what = job.kind === 'sort'
    ? `Preview: ${job.total} new note${job.total === 1 ? '' : 's'} into ${job.proposal.length} group${job.proposal.length === 1 ? '' : 's'}, nothing has moved.`
    : `Preview: ${job.proposal.length} groups, nothing has moved.`;
  bar.append(el('span', '', {}, what), discard, apply);
  const act = async (call) => {
    apply.disabled = discard.disabled = true;
    try {
      const res = await call();
      ctx.organizeJob = res.job;
      showOrganize(ctx);
    } catch (e) {
      apply.disabled = discard.disabled = false;
      showError(e);
    }
  };
  apply.addEventListener('click', () => act(() => api.applyOrganize(ctx.boardId, job.id)));
  discard.addEventListener('click', () => act(() => api.cancelOrganize(ctx.boardId, job.id)));
  document.body.append(bar);
  ctx.fit(job.proposal.map((g) => ({ ...g.frame, title: g.title })));
}

// ---- doubt marks ----
// A note's mark is board data (its runner_up: the group Organize or a sort found almost as
// good), so everyone sees it and a reload keeps it; the server clears it when the note changes
// group any other way.

/** The runner-up group of a note whose mark shows (in a group, not yet in the runner-up). */
export function runnerUp(ctx, nid) {
  const n = ctx.model.notes.get(nid);
  if (!n?.runner_up || !n.group_id || n.group_id === n.runner_up) return null;
  return ctx.model.groups.get(n.runner_up) || null;
}

/** The items a note in doubt adds to its menus: move to the runner-up, or keep it here. */
export function doubtItems(ctx, nid) {
  const g = runnerUp(ctx, nid);
  if (!g) return [];
  return [
    { label: `Move to ${g.title || 'Untitled group'}`, run: () => moveToGroup(ctx, nid, g.id) },
    { label: 'Keep it here', run: () => ctx.commit([{ op: 'update', kind: 'note', id: nid, fields: { runner_up: null } }]) },
  ];
}

/** The menu of a note's mark (a click on it): its doubt items alone. */
export function doubtMenu(ctx, nid, anchor) {
  const items = doubtItems(ctx, nid);
  if (!items.length) return;
  popover(anchor, [{ heading: 'Close between two groups' }, ...items], { label: 'Note options' });
}

/** Move a note into a group's frame, below its notes, growing the frame if needed (one undo). */
async function moveToGroup(ctx, nid, gid) {
  const n = ctx.model.notes.get(nid), g = ctx.model.groups.get(gid);
  if (!n || !g) return;
  const members = [...ctx.model.notes.values()].filter((m) => m.group_id === gid);
  const slot = slotBelow(g, members, n);
  const ops = [{ op: 'update', kind: 'note', id: nid,
    fields: { x: slot.x, y: slot.y, group_id: gid, runner_up: null } }];
  if (slot.h !== g.h) ops.push({ op: 'update', kind: 'group', id: gid, fields: { h: slot.h } });
  await ctx.commit(ops, { glide: true });
}

/** Cancel the running Organize job. */
export async function cancelOrganize(ctx) {
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
