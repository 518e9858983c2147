// Dot voting: the facilitator starts a vote (votes per person, one per note or not, which
// notes, an optional timer) and ends it; everyone who may write clicks a note to put a dot
// on it and clicks one of their dots to take it back. While it runs a browser only ever
// hears of its own dots (the server filters the rest); at the end the totals arrive for
// everyone and a ranked list opens.

import { api } from './api.js';
import { closePopovers, place } from './popover.js';
import { $, el, setText, showError, toast } from './ui.js';

export function installVotes(ctx, layer) {
  const btn = $('#vote-btn');
  const banner = $('#vote-banner');
  const results = $('#vote-results');
  let vote = null; // the latest vote as the server showed it to us (mine, left, totals)
  let endsAt = 0; // performance.now() ms when a timed vote ends, for the countdown
  let ticker = null;

  const running = () => vote?.status === 'running';
  const inVote = (id) => !vote?.note_ids || vote.note_ids.includes(id);

  function noteEl(id) {
    return layer.querySelector(`.note[data-id="${CSS.escape(id)}"]`);
  }

  /** Dots on notes: mine while it runs, everyone's count once it has ended. */
  function paint() {
    if (!vote) return; // never voted here: nothing to draw (this runs on every change)
    const show = vote && (running() ? vote.mine : vote.totals || {});
    layer.classList.toggle('voting', running() && ctx.may('write'));
    for (const node of layer.querySelectorAll('.note')) {
      const id = node.dataset.id;
      const n = show?.[id] || 0;
      let badge = node.querySelector('.vote-dots');
      node.classList.toggle('out-of-vote', running() && !inVote(id));
      if (!n) { badge?.remove(); continue; }
      if (!badge) {
        badge = el('span', 'vote-dots');
        node.append(badge);
      }
      badge.classList.toggle('total', !running());
      const text = running() ? '●'.repeat(Math.min(n, 10)) : String(n);
      setText(badge, text);
      badge.title = running() ? `Your ${n} vote${n > 1 ? 's' : ''}: click to take one back` : `${n} vote${n > 1 ? 's' : ''}`;
      badge.setAttribute('aria-label', badge.title);
    }
    renderBanner();
  }

  function renderBanner() {
    btn.classList.toggle('running', running());
    setText(btn.querySelector('span'), running() ? 'End vote' : 'Vote');
    banner.hidden = !running();
    if (!running()) { clearInterval(ticker); ticker = null; return; }
    const secs = vote.remaining == null ? null : Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
    const time = secs == null ? '' : ` · ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')} left`;
    const says = ctx.may('write')
      ? `Dot vote: ${vote.left} of ${vote.per_person} votes left. Click a note to vote${vote.one_per_note ? ' (one per note)' : ''}; click your dot to take it back.`
      : 'A dot vote is running: the results show when it ends.';
    setText(banner.querySelector('.vb-text'), says + time);
    if (secs != null && !ticker) ticker = setInterval(renderBanner, 500);
  }

  /** The ranked results: notes by their count, each a button that takes you to the note. */
  function showResults() {
    const list = results.querySelector('ol');
    list.replaceChildren();
    const totals = vote?.totals || {};
    const ranked = Object.keys(totals).filter((id) => ctx.model.notes.has(id))
      .sort((a, b) => totals[b] - totals[a] || a.localeCompare(b));
    for (const id of ranked) {
      const note = ctx.model.notes.get(id);
      const b = el('button', 'vote-row', { type: 'button' });
      b.dataset.noteId = id;
      b.append(el('span', 'vote-count', {}, String(totals[id])), el('span', 'vote-text', {}, note.text || 'Empty note'));
      b.addEventListener('click', () => { ctx.fit([note]); ctx.select(['note:' + id]); });
      const li = el('li');
      li.append(b);
      list.append(li);
    }
    setText(results.querySelector('.vr-empty'), ranked.length ? '' : 'Nobody voted.');
    results.hidden = false;
  }

  function apply(v, { fromEvent = false } = {}) {
    const fresh = !vote || vote.id !== v?.id;
    const wasRunning = running();
    if (v && fromEvent) {
      // Shared events carry no one's dots: keep ours (a new vote starts us at none).
      const mine = fresh ? {} : vote.mine;
      v = { ...v, mine, left: v.per_person - Object.values(mine).reduce((a, b) => a + b, 0) };
    }
    vote = v;
    if (v?.remaining != null) endsAt = performance.now() + v.remaining * 1000;
    if (v && v.status === 'ended' && (wasRunning || (fromEvent && fresh))) {
      toast('The vote has ended: here are the results.');
      showResults();
    }
    if (running()) results.hidden = true;
    paint();
  }

  /** One of our own dots, as the server answered it (or as another of our tabs placed it). */
  function applyDot(d) {
    if (!vote || vote.id !== d.vote_id) return;
    const mine = { ...vote.mine };
    if (d.count) mine[d.note_id] = d.count; else delete mine[d.note_id];
    vote = { ...vote, mine, left: d.left };
    paint();
  }

  async function cast(id, takeBack) {
    try {
      const r = takeBack ? await api.takeBackDot(ctx.boardId, id) : await api.addDot(ctx.boardId, id, vote.id);
      applyDot(r);
    } catch (e) {
      if (e.code === 'vote_ended') refresh();
      showError(e);
    }
  }

  // Capture phase: while a vote runs, a press on a note is a vote, not a drag or a select.
  ctx.viewport.addEventListener('pointerdown', (e) => {
    if (!running() || !ctx.may('write') || e.button !== 0 || ctx.spaceDown) return;
    const node = e.target.closest?.('.note');
    if (!node || !inVote(node.dataset.id)) return;
    e.preventDefault();
    e.stopPropagation();
    const id = node.dataset.id;
    const takeBack = !!e.target.closest('.vote-dots') || (vote.one_per_note && vote.mine[id] > 0);
    cast(id, takeBack);
  }, true);
  // From the keyboard: Enter on a focused note votes for it, Shift+Enter takes one back.
  ctx.viewport.addEventListener('keydown', (e) => {
    if (!running() || !ctx.may('write') || e.key !== 'Enter' || e.ctrlKey || e.metaKey || e.altKey) return;
    const node = e.target.closest?.('.note');
    if (!node || !inVote(node.dataset.id)) return;
    e.preventDefault();
    e.stopPropagation();
    const id = node.dataset.id;
    cast(id, e.shiftKey || (vote.one_per_note && vote.mine[id] > 0));
  }, true);
  // The press never reaches the tools, so neither must its double-click (it would edit).
  ctx.viewport.addEventListener('dblclick', (e) => {
    if (running() && ctx.may('write') && e.target.closest?.('.note')) e.stopPropagation();
  }, true);

  function startForm() {
    closePopovers();
    const pop = el('div', 'popover vote-pop', { role: 'dialog', 'aria-label': 'Start a dot vote' });
    const form = el('form', 'vote-form');
    const per = el('input', 'text-input', { type: 'number', min: '1', max: '100', step: '1', value: '5', id: 'vote-per' });
    const one = el('input', '', { type: 'checkbox', id: 'vote-one' });
    const scope = el('select', '', { id: 'vote-scope' });
    const sel = ctx.selectedNotes();
    scope.append(el('option', '', { value: 'all' }, 'All notes'));
    if (sel.length) scope.append(el('option', '', { value: 'selected' }, `The ${sel.length} selected notes`));
    for (const g of ctx.model.groups.values()) {
      const o = el('option', '', { value: 'group:' + g.id }, `Group: ${g.title || 'Untitled'}`);
      scope.append(o);
    }
    const mins = el('input', 'text-input', { type: 'number', min: '1', max: '240', step: '1', placeholder: 'No timer', id: 'vote-mins' });
    form.append(
      el('h2', '', {}, 'Start a dot vote'),
      el('label', 'vote-field', { for: 'vote-per' }, 'Votes per person'), per,
      el('label', 'vote-check', {}, undefined),
      el('label', 'vote-field', { for: 'vote-scope' }, 'Notes in the vote'), scope,
      el('label', 'vote-field', { for: 'vote-mins' }, 'Timer (minutes)'), mins,
      el('button', 'btn primary wide', { type: 'submit' }, 'Start vote'));
    const check = form.querySelector('.vote-check');
    check.append(one, document.createTextNode(' At most one vote per note'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { per_person: Number(per.value), one_per_note: one.checked };
      if (scope.value === 'selected') body.note_ids = sel.map((n) => n.id);
      else if (scope.value.startsWith('group:')) body.group_id = scope.value.slice(6);
      if (mins.value) body.seconds = Math.round(Number(mins.value) * 60);
      try {
        const r = await api.startVote(ctx.boardId, body);
        pop.remove();
        apply(r.vote);
      } catch (err) { showError(err); }
    });
    pop.append(form);
    pop.addEventListener('keydown', (e) => { if (e.key === 'Escape') { pop.remove(); btn.focus(); } });
    place(pop, btn);
    per.focus();
  }

  async function end() {
    try { apply((await api.endVote(ctx.boardId)).vote); } catch (e) { showError(e); }
  }

  btn.addEventListener('click', () => (running() ? end() : startForm()));
  banner.querySelector('.vb-end').addEventListener('click', end);
  results.querySelector('.vr-close').addEventListener('click', () => { results.hidden = true; });

  function refresh() {
    api.getVote(ctx.boardId).then((r) => apply(r.vote)).catch(() => {});
  }
  ctx.onChange(() => paint()); // notes come and go: their dots follow
  return {
    apply: (v) => apply(v, { fromEvent: true }),
    applyDot, refresh,
    load: (v) => apply(v),
    state: () => vote,
  };
}
