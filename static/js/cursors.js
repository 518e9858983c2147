// Other people on the board: their pointers (with names) and what they have selected, and
// telling them ours. Ours goes out at most every SEND_MS (one request in flight at a time,
// always the latest state); theirs arrive in batched `cursors` live events and pointers glide
// between positions. All of it is a courtesy: a failed send is dropped, never shown.

import { api, BROWSER_ID, CLIENT_ID } from './api.js';
import * as geo from './geometry.js';
import { el } from './ui.js';
import { eventClock } from './live.js';
import { installPeerSelection } from './peer_selection.js';

const SEND_MS = 100;
const FADE_MS = 15000; // a pointer not heard of this long is taken away
const MAX_NAME = 40;
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Badger', 'Puffin', 'Marten', 'Ibex', 'Koala',
  'Walrus', 'Gecko', 'Bison', 'Crane', 'Tapir', 'Wombat', 'Osprey', 'Yak'];

/** The name shown beside this person's pointer: their own, else a stable guest name. */
export function myName() {
  let saved = '';
  try { saved = localStorage.getItem('herd.name') || ''; } catch { /* private mode */ }
  return saved.trim().slice(0, MAX_NAME) || `Guest ${ANIMALS[hash(BROWSER_ID) % ANIMALS.length]}`;
}

function hash(text) {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

/** A stable, readable colour per browser tab. */
export function cursorColor(client) {
  return `hsl(${hash(client) % 360}, 70%, 42%)`;
}

export function installCursors(ctx, layer) {
  const shown = new Map(); // client -> {el, seen, name}
  const outlines = installPeerSelection(ctx, cursorColor);
  // What is still to tell the others: our position or 'away', our selection, or that we left.
  let pendingPos = null;
  let pendingSel = null;
  let pendingGone = false;
  let inFlight = false;
  let lastSent = 0;
  let timer = null;
  let away = true; // our pointer is not over the board
  let last = null; // our last position, to re-send with a new name
  let mySel = ''; // our selection as last told, joined

  function send() {
    timer = null;
    if (!ctx.may('write')) return; // a viewer watches; their pointer is not shown
    if (inFlight || (pendingPos === null && pendingSel === null && !pendingGone)) return;
    const wait = lastSent + SEND_MS - performance.now();
    if (wait > 0) { timer = setTimeout(send, wait); return; }
    let body;
    if (pendingGone) body = { gone: true };
    else {
      body = { name: myName() };
      if (pendingPos === 'away') body.away = true;
      else if (pendingPos) Object.assign(body, pendingPos);
      if (pendingSel) body.sel = pendingSel;
    }
    pendingPos = pendingSel = null;
    pendingGone = false;
    inFlight = true;
    lastSent = performance.now();
    api.cursor(ctx.boardId, body).catch(() => {}).finally(() => {
      inFlight = false;
      if (!timer) send();
    });
  }

  function kick() {
    if (!timer && !inFlight) send();
  }

  const selection = () => [...ctx.selection].slice(0, 200);

  const vp = ctx.viewport;
  vp.addEventListener('pointermove', (e) => {
    if (e.pointerType === 'touch' || !ctx.model) return;
    const p = geo.toBoard(ctx.view, ctx.screenPoint(e));
    away = false;
    last = { x: Math.round(p.x), y: Math.round(p.y) };
    pendingPos = last;
    pendingGone = false;
    kick();
  });
  vp.addEventListener('pointerleave', () => {
    if (away) return;
    away = true;
    pendingPos = 'away';
    kick();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      away = true;
      pendingPos = pendingSel = null;
      pendingGone = true;
      kick();
    } else if (mySel) {
      pendingSel = selection(); // back: show our selection again
      kick();
    }
  });
  window.addEventListener('pagehide', () => {
    // keepalive: the request outlives the page
    api.cursor(ctx.boardId, { gone: true }, { keepalive: true }).catch(() => {});
  });
  ctx.onChange(() => {
    const now = [...ctx.selection].join(' ');
    if (now === mySel) return;
    mySel = now;
    pendingSel = selection();
    kick();
  });
  // A selection held without moving the pointer must not be forgotten by the server (60 s).
  setInterval(() => {
    if (mySel && !document.hidden) { pendingSel = selection(); kick(); }
  }, 20000);

  function place(client, x, y, name) {
    let c = shown.get(client);
    if (!c) {
      const node = el('div', 'cursor', { 'aria-hidden': 'true' });
      node.dataset.client = client;
      node.style.color = cursorColor(client);
      node.innerHTML = '<svg width="18" height="22" viewBox="0 0 18 22"><path d="M1 1 L1 17 L5.5 13 L8.5 20.5 L11.5 19.3 L8.6 12 L14.5 12 Z" fill="currentColor" stroke="white" stroke-width="1.4" stroke-linejoin="round"/></svg>';
      const label = el('span', 'cursor-name');
      label.style.background = cursorColor(client);
      node.append(label);
      layer.append(node);
      c = { el: node, seen: 0, name: null };
      shown.set(client, c);
    }
    if (c.name !== name) {
      c.name = name;
      c.el.lastChild.textContent = name; // text, never HTML
      c.el.lastChild.hidden = !name;
    }
    c.seen = performance.now();
    c.el.hidden = x === null;
    if (x !== null) {
      c.el.style.setProperty('--x', `${x}px`);
      c.el.style.setProperty('--y', `${y}px`);
    }
  }

  function remove(client) {
    shown.get(client)?.el.remove();
    shown.delete(client);
    outlines.set(client, []);
  }

  setInterval(() => {
    const old = performance.now() - FADE_MS;
    for (const [client, c] of shown) if (c.seen < old && !c.el.hidden) c.el.hidden = true;
  }, 2000);

  function apply(ev) {
    for (const [client, xy] of Object.entries(ev.moved || {})) {
      if (client !== CLIENT_ID && Array.isArray(xy)) {
        const away = typeof xy[0] !== 'number';
        place(client, away ? null : xy[0], away ? null : xy[1], String(xy[2] || ''));
      }
    }
    for (const [client, keys] of Object.entries(ev.selected || {})) {
      if (client !== CLIENT_ID && Array.isArray(keys)) outlines.set(client, keys);
    }
    for (const client of ev.gone || []) remove(client);
  }

  // Who is here (on load, and after a reconnect: these events are never replayed), unless a
  // live event, which is newer, came in meanwhile.
  const news = eventClock();
  function refresh() {
    const fresh = news.since();
    api.peers(ctx.boardId).then(({ cursors }) => {
      if (!fresh()) return;
      const now = cursors || {};
      const moved = {}, selected = {};
      for (const [client, p] of Object.entries(now)) {
        moved[client] = [p.x, p.y, p.name];
        selected[client] = p.sel;
      }
      apply({ moved, selected, gone: [...shown.keys()].filter((c) => !(c in now)) });
      for (const client of outlines.clients()) if (!(client in now)) outlines.set(client, []);
    }).catch(() => {});
  }
  refresh();

  return {
    /** A `cursors` live event: {moved: {client: [x|null, y|null, name]}, selected?: {client:
     * [keys]}, gone: [client]}. */
    apply(ev) { news.tick(); apply(ev); },
    refresh,
    count: () => [...shown.values()].filter((c) => !c.el.hidden).length,
    /** Change the name beside our pointer (kept in this browser); others see it at once. */
    setName(name) {
      try { localStorage.setItem('herd.name', name.trim().slice(0, MAX_NAME)); } catch { /* ignore */ }
      pendingPos = away || !last ? 'away' : last;
      kick();
    },
  };
}
