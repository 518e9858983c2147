// The tab's WebSocket for batches of ops (/api/boards/<id>/socket). A drag sends its
// positions several times a second; over HTTP each was a whole request for the server to
// parse, route and answer, and in a 200-person room that was most of its time
// (bench/README.md, issue 11). On the socket a batch is one message, answered in order with
// what POST /ops answers. While the socket is not open (connecting, dropped, a server without
// it) batches go over HTTP as before, so nothing ever waits for it.

import { ApiError, CLIENT_ID, NO_ANSWER, api, failure } from './api.js';

const RETRY_MS = [1000, 2000, 5000, 10000, 30000]; // after each failed attempt in a row

/**
 * Open the board's socket; returns {ops(ops) -> Promise of /ops's answer, close(), isOpen()}.
 * @param {string} boardId
 * @param {{WebSocketImpl?: any, fallback?: (ops: object[]) => Promise<any>, location?: Location}} [deps]
 */
export function boardSocket(boardId, {
  WebSocketImpl = globalThis.WebSocket,
  fallback = (ops) => api.ops(boardId, ops),
  location = globalThis.location,
} = {}) {
  let ws = null;
  let open = false;
  let stopped = false;
  let failures = 0;
  let timer = null;
  let nextId = 1;
  const waiting = new Map(); // id -> {resolve, reject}

  function connect() {
    if (stopped || !WebSocketImpl) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}/api/boards/${encodeURIComponent(boardId)}/socket` +
      `?client=${encodeURIComponent(CLIENT_ID)}`;
    const sock = new WebSocketImpl(url);
    ws = sock;
    sock.onopen = () => { open = true; failures = 0; };
    sock.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      const w = waiting.get(msg?.id);
      if (!w) return;
      waiting.delete(msg.id);
      if (msg.error) w.reject(failure(msg.error.status, msg.error));
      else w.resolve(msg.result);
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      if (!open) failures += 1;
      open = false;
      // Sent but unanswered: like an HTTP request whose connection dropped, the page is told
      // and the live stream shows what the server kept.
      for (const w of waiting.values()) w.reject(new ApiError(0, 'network', NO_ANSWER));
      waiting.clear();
      if (!stopped) timer = setTimeout(connect, RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]);
    };
  }

  connect();
  return {
    /** Send a batch: on the socket when it is open, else over HTTP. */
    ops(ops) {
      if (!open) return fallback(ops);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, ops }));
      });
    },
    isOpen: () => open,
    close() {
      stopped = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}
