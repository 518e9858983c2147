// Other people's pointers on the board, and telling them where ours is.
// Ours goes out at most every SEND_MS while it moves over the canvas (one request in flight at
// a time, always the latest position); theirs arrive in batched `cursors` live events and
// glide between positions. Cursors are a courtesy: a failed send is dropped, never shown.

import { api, BROWSER_ID, CLIENT_ID } from './api.js';
import * as geo from './geometry.js';
import { el } from './ui.js';

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
  const shown = new Map(); // client -> {el, seen}
  let pending = null; // the latest position not yet sent, or 'gone'
  let inFlight = false;
  let lastSent = 0;
  let timer = null;
  let away = true; // our pointer is not over the board
  let last = null; // our last position sent, to re-send with a new name

  function send() {
    timer = null;
    if (inFlight || pending === null) return;
    const wait = lastSent + SEND_MS - performance.now();
    if (wait > 0) { timer = setTimeout(send, wait); return; }
    const body = pending === 'gone' ? { gone: true } : pending;
    pending = null;
    inFlight = true;
    lastSent = performance.now();
    api.cursor(ctx.boardId, body).catch(() => {}).finally(() => {
      inFlight = false;
      if (pending !== null && !timer) send();
    });
  }

  function queue(value) {
    pending = value;
    if (!timer && !inFlight) send();
  }

  const vp = ctx.viewport;
  vp.addEventListener('pointermove', (e) => {
    if (e.pointerType === 'touch' || !ctx.model) return;
    const p = geo.toBoard(ctx.view, ctx.screenPoint(e));
    away = false;
    last = { x: Math.round(p.x), y: Math.round(p.y) };
    queue({ ...last, name: myName() });
  });
  const leave = () => {
    if (away) return;
    away = true;
    queue('gone');
  };
  vp.addEventListener('pointerleave', leave);
  document.addEventListener('visibilitychange', () => { if (document.hidden) leave(); });
  window.addEventListener('pagehide', () => {
    if (away) return;
    away = true;
    // keepalive: the request outlives the page
    api.cursor(ctx.boardId, { gone: true }, { keepalive: true }).catch(() => {});
  });

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
    c.el.style.setProperty('--x', `${x}px`);
    c.el.style.setProperty('--y', `${y}px`);
  }

  function remove(client) {
    shown.get(client)?.el.remove();
    shown.delete(client);
  }

  setInterval(() => {
    const old = performance.now() - FADE_MS;
    for (const [client, c] of shown) if (c.seen < old) remove(client);
  }, 2000);

  return {
    /** A `cursors` live event: {moved: {client: [x, y]}, gone: [client]}. */
    apply(ev) {
      for (const [client, xy] of Object.entries(ev.moved || {})) {
        if (client !== CLIENT_ID && Array.isArray(xy)) place(client, xy[0], xy[1], String(xy[2] || ''));
      }
      for (const client of ev.gone || []) remove(client);
    },
    count: () => shown.size,
    /** Change the name beside our pointer (kept in this browser); others see it at once. */
    setName(name) {
      try { localStorage.setItem('herd.name', name.trim().slice(0, MAX_NAME)); } catch { /* ignore */ }
      if (!away && last) queue({ ...last, name: myName() });
    },
  };
}
