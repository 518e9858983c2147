// Other people's pointers on the board, and telling them where ours is.
// Ours goes out at most every SEND_MS while it moves over the canvas (one request in flight at
// a time, always the latest position); theirs arrive in batched `cursors` live events and
// glide between positions. Cursors are a courtesy: a failed send is dropped, never shown.

import { api, CLIENT_ID } from './api.js';
import * as geo from './geometry.js';
import { el } from './ui.js';

const SEND_MS = 100;
const FADE_MS = 15000; // a pointer not heard of this long is taken away

/** A stable, readable colour per browser tab. */
export function cursorColor(client) {
  let h = 0;
  for (const ch of client) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360}, 70%, 45%)`;
}

export function installCursors(ctx, layer) {
  const shown = new Map(); // client -> {el, seen}
  let pending = null; // the latest position not yet sent, or 'gone'
  let inFlight = false;
  let lastSent = 0;
  let timer = null;
  let away = true; // our pointer is not over the board

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
    queue({ x: Math.round(p.x), y: Math.round(p.y) });
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

  function place(client, x, y) {
    let c = shown.get(client);
    if (!c) {
      const node = el('div', 'cursor', { 'aria-hidden': 'true' });
      node.dataset.client = client;
      node.style.color = cursorColor(client);
      node.innerHTML = '<svg width="18" height="22" viewBox="0 0 18 22"><path d="M1 1 L1 17 L5.5 13 L8.5 20.5 L11.5 19.3 L8.6 12 L14.5 12 Z" fill="currentColor" stroke="white" stroke-width="1.4" stroke-linejoin="round"/></svg>';
      layer.append(node);
      c = { el: node, seen: 0 };
      shown.set(client, c);
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
        if (client !== CLIENT_ID && Array.isArray(xy)) place(client, xy[0], xy[1]);
      }
      for (const client of ev.gone || []) remove(client);
    },
    count: () => shown.size,
  };
}
