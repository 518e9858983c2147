// The board page: loads the board, wires model, renderer, actions, tools, live updates and
// the toolbar together. Every user action goes through commit(): applied locally at once, sent
// as ONE batch (on the tab's socket, or POST /ops), recorded for undo with its inverse batch.

import { api, CLIENT_ID } from './api.js';
import * as geo from './geometry.js';
import * as S from './state.js';
import { settleOps } from './membership.js';
import { createRenderer } from './render.js';
import { connect } from './live.js';
import { boardSocket } from './socket.js';
import { installTools } from './tools.js';
import { installFocus } from './focus.js';
import { installAnnouncer } from './announce.js';
import { installChrome } from './chrome.js';
import { installActions } from './actions.js';
import { installCursors } from './cursors.js';
import { installSpotlight } from './spotlight.js';
import { installTimer } from './timer.js';
import { installShare } from './share.js';
import { installVotes } from './votes.js';
import { installLocks } from './locks.js';
import { installSearch } from './search.js';
import { installPrivate } from './private.js';
import { showError, toast } from './ui.js';
import './theme.js'; // the light or dark the person picked, before the first paint of the board

const boardId = document.body.dataset.boardId;
const viewport = document.getElementById('viewport');
const layer = document.getElementById('layer');

/** The controller the tools and toolbar talk to. */
const ctx = {
  boardId,
  clientId: CLIENT_ID,
  model: null,
  history: S.createHistory(),
  view: { tx: 0, ty: 0, zoom: 1 },
  selection: new Set(), // 'note:id' and 'group:id' keys
  viewport,
  renderer: createRenderer(layer),
  pointer: null, // last pointer position over the canvas (screen)
  listeners: new Set(),
};
window.herd = ctx; // handy in the console, and for the e2e tests and bench to wait on

let tokenSeq = 0;
let chain = Promise.resolve();
let inFlight = 0;

/** Run API calls one after another so answers arrive in the order the edits were made. */
function enqueue(fn) {
  const p = chain.then(fn);
  chain = p.catch(() => {});
  return p;
}

/** Tell the toolbar and selection bar that something changed. */
function changed() {
  for (const f of ctx.listeners) f();
}
ctx.onChange = (f) => ctx.listeners.add(f);
ctx.changed = changed;

/** Re-render touched items and keep the selection to items that still exist. */
function render(touched, opts) {
  ctx.renderer.renderTouched(ctx.model, touched, opts);
  let dropped = false;
  for (const key of ctx.selection) {
    if (!lookupKey(key)) { ctx.selection.delete(key); dropped = true; }
  }
  if (dropped) ctx.renderer.setSelection(ctx.selection);
  changed();
}
ctx.render = render;

function lookupKey(key) {
  const i = key.indexOf(':');
  return S.visible(ctx.model, key.slice(0, i)).get(key.slice(i + 1));
}
ctx.lookupKey = lookupKey;

/** The visible row of an item, for computing inverses. */
ctx.lookup = (kind, id) => S.visible(ctx.model, kind).get(id);

/**
 * Apply a batch locally and send it as one /ops call.
 * @param {object[]} ops
 * @param {{record?:boolean, before?:(kind:string,id:string)=>object, glide?:boolean|'fast', quiet?:boolean,
 *   onConflict?:(current:object)=>object[]|null}} [opts] quiet: no toast (intermediate drag
 *   positions: the release reports any error once); onConflict: ops to re-apply after a 409
 * @returns {Promise<boolean>} whether the server took it
 */
ctx.commit = async function commit(ops, { record = true, before = ctx.lookup, glide = false, onConflict, quiet = false } = {}) {
  if (!ops.length) return true;
  if (!ctx.may('write')) { readOnly(); return false; }
  if (ctx.blockedByLock?.(ops)) return false; // the server would refuse it: do not pretend
  // Membership follows geometry: settle it here, for every batch, so the board shows it at
  // once and the inverse takes it back with the positions (the server settles the same way).
  ops = settleOps(ctx.model.notes, ctx.model.groups, ops, (id) => !!ctx.isLocked?.('note', id));
  const inv = record ? S.invertOps(before, ops, [...ctx.model.notes.values()]) : null;
  const token = ++tokenSeq;
  render(S.applyLocal(ctx.model, ops, token), { glide });
  const entry = record ? { ops, inverse: inv } : null;
  if (entry) S.record(ctx.history, entry);
  inFlight += 1;
  try {
    const res = await enqueue(() => (ctx.socket ? ctx.socket.ops(ops) : api.ops(boardId, ops)));
    render(S.settle(ctx.model, token, ops, res?.results));
    return true;
  } catch (e) {
    render(S.fail(ctx.model, token, e));
    if (entry) S.forget(ctx.history, entry);
    // A 409 has been adopted (details.current); the caller may re-apply its change on top.
    if (e.status === 409 && onConflict) {
      const retry = onConflict(e.details?.current);
      return retry ? ctx.commit(retry, { record, glide }) : false;
    }
    if (!quiet) showError(e);
    return false;
  } finally {
    inFlight -= 1;
  }
};
ctx.busy = () => inFlight > 0;

/** Show a batch locally without sending it (drag preview); `token` groups such previews. */
ctx.preview = (ops, token = 'drag') => {
  if (ctx.may('write') && !ctx.blockedByLock?.(ops)) render(S.applyLocal(ctx.model, ops, token));
};
ctx.discard = (token) => render(S.dropToken(ctx.model, token));

ctx.undo = async function undo() {
  const e = S.takeUndo(ctx.history);
  if (!e) return;
  if (!(await ctx.commit(e.inverse, { record: false, glide: true }))) S.revertUndo(ctx.history);
  changed();
};

ctx.redo = async function redo() {
  const e = S.takeRedo(ctx.history);
  if (!e) return;
  if (!(await ctx.commit(e.ops, { record: false, glide: true }))) S.revertRedo(ctx.history);
  changed();
};

// ---- access ----

/** What the server said this person may do here: read, write, manage, own (docs/api.md). */
ctx.may = (action) => Boolean(ctx.access?.may?.includes(action));

let readOnlyToldAt = 0;
/** A viewer tried to change something: say once in a while why nothing happens. */
function readOnly() {
  if (ctx.revoked) return;
  if (Date.now() - readOnlyToldAt < 5000) return;
  readOnlyToldAt = Date.now();
  toast('You are viewing this board: ask its facilitator for an editor link to change it.');
}

/** The link this page was opened with no longer works: stop, and say why. */
ctx.revoke = (message) => {
  if (ctx.revoked) return;
  ctx.revoked = true;
  ctx.live?.close();
  ctx.socket?.close();
  ctx.socket = null;
  ctx.access = { role: null, may: [] };
  document.body.dataset.role = '';
  const msg = document.getElementById('board-missing');
  msg.querySelector('h2').textContent = 'Your link to this board was replaced';
  msg.querySelector('p').textContent = message ||
    'The facilitator made a new link, so the one you opened no longer works. Ask them for the new link.';
  msg.hidden = false;
  changed();
};
ctx.readOnly = readOnly;
globalThis.addEventListener('herd:unauthenticated', (e) => {
  if (ctx.model && e.detail?.code === 'link_rotated') ctx.revoke(e.detail.message);
});

// ---- view ----

ctx.setView = function setView(v) {
  ctx.view = v;
  ctx.renderer.setView(v);
  changed();
  saveView();
};

let saveTimer = null;
function saveView() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    try { localStorage.setItem(`herd.view.${boardId}`, JSON.stringify(ctx.view)); } catch { /* private mode */ }
  }, 300);
}

ctx.viewportSize = () => ({ w: viewport.clientWidth, h: viewport.clientHeight });

/** Screen point (relative to the viewport) of a pointer/mouse event. */
ctx.screenPoint = (e) => {
  const r = viewport.getBoundingClientRect();
  return { x: e.clientX - r.left, y: e.clientY - r.top };
};

ctx.zoomBy = (factor, at) => {
  const { w, h } = ctx.viewportSize();
  ctx.setView(geo.zoomAround(ctx.view, at || { x: w / 2, y: h / 2 }, ctx.view.zoom * factor));
};

ctx.zoomTo = (zoom) => {
  const { w, h } = ctx.viewportSize();
  ctx.setView(geo.zoomAround(ctx.view, { x: w / 2, y: h / 2 }, zoom));
};

/** Fit the view to some notes and groups (default: everything on the board). */
ctx.fit = (rows = [...ctx.model.notes.values(), ...ctx.model.groups.values()]) => {
  if (!rows.length) return;
  const { w, h } = ctx.viewportSize();
  const rect = geo.unionRect(rows
    .map((r) => (r.title !== undefined ? geo.inflate(r, { top: 40, left: 0, right: 0, bottom: 0 }) : r)));
  // Leave room for the top bar and the bottom toolbars so nothing ends up under them (on a
  // phone the header is two rows and the bars stack: measure them).
  const top = Math.max(70, (document.querySelector('.topbar')?.getBoundingClientRect().bottom || 0) + 8);
  const barTops = [...document.querySelectorAll('.toolbar, .zoombar')].map((b) => b.getBoundingClientRect().top).filter((t) => t > 0);
  const bottom = Math.max(90, barTops.length ? h - Math.min(...barTops) + 8 : 0);
  const v = geo.fitView(rect, w, Math.max(100, h - top - bottom));
  ctx.setView({ ...v, ty: v.ty + top });
};

/** The visible board rectangle (board units). */
ctx.visibleRect = () => {
  const { w, h } = ctx.viewportSize();
  return geo.visibleRect(ctx.view, w, h);
};

/** True when the pointer is over the canvas (new things go under it). */
ctx.pointerOnCanvas = () => {
  const { w, h } = ctx.viewportSize();
  const p = ctx.pointer;
  return !!p && p.x >= 0 && p.y >= 0 && p.x <= w && p.y <= h;
};

/** Board point where new things go: under the pointer if it is on the canvas, else the centre. */
ctx.dropPoint = () => {
  const { w, h } = ctx.viewportSize();
  return geo.toBoard(ctx.view, ctx.pointerOnCanvas() ? ctx.pointer : { x: w / 2, y: h / 2 });
};

// ---- selection ----

ctx.select = (keys, { add = false } = {}) => {
  if (!add) ctx.selection.clear();
  for (const k of keys) ctx.selection.add(k);
  ctx.renderer.setSelection(ctx.selection);
  changed();
};
ctx.toggle = (key) => {
  if (ctx.selection.has(key)) ctx.selection.delete(key); else ctx.selection.add(key);
  ctx.renderer.setSelection(ctx.selection);
  changed();
};
ctx.clearSelection = () => ctx.select([]);
ctx.selectedNotes = () => [...ctx.selection].filter((k) => k.startsWith('note:'))
  .map((k) => ctx.model.notes.get(k.slice(5))).filter(Boolean);
ctx.selectedGroups = () => [...ctx.selection].filter((k) => k.startsWith('group:'))
  .map((k) => ctx.model.groups.get(k.slice(6))).filter(Boolean);
ctx.selectAll = () => ctx.select([...ctx.model.notes.keys()].map((id) => 'note:' + id));

installActions(ctx);

// ---- live ----

function onEvent(ev) {
  if (ev.type === 'changes') {
    if (typeof ev.seq === 'number') ctx.model.seq = Math.max(ctx.model.seq, ev.seq);
    if (ev.client && ev.client === CLIENT_ID) return; // our own echo: already applied
    if (ctx.myJob && ev.client === `organize:${ctx.myJob}`) {
      // The Organize this user asked for is their action: ctrl+Z takes it back like any other.
      const ops = S.changesToOps(ctx.lookup, ev.changes || []);
      if (ops.length) {
        S.record(ctx.history, { ops, inverse: S.invertOps(ctx.lookup, ops, [...ctx.model.notes.values()]) });
      }
    }
    const many = (ev.changes || []).length > 12;
    ctx.announceChanges?.(ev.changes); // before applying: it tells added from changed
    const touched = S.applyRemote(ctx.model, ev.changes);
    render(touched, { glide: many ? true : 'fast' });
    if (touched.missing) resync();
  } else if (ev.type === 'cursors') {
    ctx.cursors?.apply(ev);
  } else if (ev.type === 'spotlight') {
    ctx.spotlight?.apply(ev.spotlight);
  } else if (ev.type === 'timer') {
    ctx.timer?.apply(ev.timer);
  } else if (ev.type === 'locks') {
    ctx.locks?.apply(ev.locks);
  } else if (ev.type === 'modes') {
    ctx.privateMode?.apply(ev.modes);
  } else if (ev.type === 'vote') {
    ctx.votes?.apply(ev.vote);
  } else if (ev.type === 'dot') {
    ctx.votes?.applyDot(ev); // the server sends us our own dots only
  } else if (ev.type === 'presence') {
    ctx.presence = ev.count;
    changed();
  } else if (ev.type === 'board') {
    ctx.model.board = ev.board;
    changed();
  } else if (ev.type === 'board_deleted') {
    ctx.deleted = true;
    const msg = document.getElementById('board-missing');
    msg.querySelector('h2').textContent = 'This board was deleted';
    msg.querySelector('p').textContent = 'Someone deleted this board. Its notes are gone for everyone.';
    msg.hidden = false;
    changed();
  } else if (ev.type === 'access_revoked') {
    ctx.revoke();
  } else if (ev.type === 'resync') {
    resync();
  } else if (ev.type === 'organize') {
    ctx.organizeJob = ev.job;
    changed();
  }
}

async function resync() {
  try {
    const data = await api.getBoard(boardId);
    render(S.reset(ctx.model, data), { glide: true });
    ctx.locks?.apply(data.locks);
    ctx.privateMode?.apply(data.modes);
    ctx.votes?.load(data.vote);
    ctx.live?.setSeq(data.seq);
  } catch (e) {
    showError(e);
  }
}
ctx.resync = resync;

// ---- start ----

async function start() {
  let data;
  try {
    data = await api.getBoard(boardId);
  } catch (e) {
    document.getElementById('loading')?.remove();
    ctx.loadError = e;
    changed();
    const msg = document.getElementById('board-missing');
    if (msg) {
      msg.hidden = false;
      msg.querySelector('h2').textContent = {
        401: e.code === 'link_rotated' ? 'Your link to this board was replaced' : 'This board is private',
        403: 'This board is private',
      }[e.status] || 'Board not found';
      msg.querySelector('p').textContent = e.status === 404
        ? 'This board does not exist (it may have been deleted).' : e.message;
    }
    return;
  }
  ctx.access = data.access;
  ctx.template = data.template || null; // the template it started from: its suggested timer
  document.body.dataset.role = data.access?.role || '';
  ctx.model = S.createModel(data);
  document.title = `${data.board.name} · Herd`;
  ctx.renderer.renderAll(ctx.model);
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(`herd.view.${boardId}`) || 'null'); } catch { /* ignore */ }
  if (saved && Number.isFinite(saved.zoom)) ctx.setView({ ...saved, zoom: geo.clampZoom(saved.zoom) });
  else ctx.fit();
  installTools(ctx);
  installFocus(ctx);
  installAnnouncer(ctx);
  installChrome(ctx);
  ctx.cursors = installCursors(ctx, layer);
  ctx.spotlight = installSpotlight(ctx);
  ctx.timer = installTimer(ctx);
  installShare(ctx);
  ctx.locks = installLocks(ctx, layer);
  ctx.locks.apply(data.locks);
  ctx.privateMode = installPrivate(ctx, layer);
  ctx.privateMode.apply(data.modes);
  ctx.votes = installVotes(ctx, layer);
  ctx.votes.load(data.vote);
  installSearch(ctx);
  // Batches go on the tab's socket once it is open (socket.js); a viewer sends none.
  ctx.socket = ctx.may('write') ? boardSocket(boardId) : null;
  ctx.live = connect(boardId, {
    after: data.seq,
    onEvent,
    onStatus: (s) => {
      const back = s === 'live' && ctx.wasLive && ctx.connection !== 'live';
      if (s === 'live') ctx.wasLive = true;
      ctx.connection = s;
      // Pointers, spotlight and timer are never replayed from the event log: read them again.
      if (back) for (const part of [ctx.cursors, ctx.spotlight, ctx.timer, ctx.votes]) part?.refresh();
      changed();
    },
    exists: async () => {
      try { await api.getBoard(boardId); return true; } catch (e) { return e.status !== 404; }
    }, // a 401 on the way also revokes the page (herd:unauthenticated above)
  });
  document.getElementById('loading')?.remove();
  document.body.classList.add('ready');
  changed();
}

start();
