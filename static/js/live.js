// Live updates over server-sent events. EventSource reconnects by itself and sends
// Last-Event-ID, so the server replays what we missed; if the stream is closed for good
// (server restarted, HTTP error) we open a new one after a pause with ?after=<last seq>.

import { BROWSER_ID } from './api.js';

/**
 * Subscribe to a board's events.
 * @param {string} boardId
 * @param {{after:number, onEvent:(ev:object)=>void, onStatus:(s:'live'|'connecting'|'offline')=>void,
 *   exists?:()=>Promise<boolean>}} opts exists: whether the board is still there (an
 *   EventSource cannot tell a 404 from a dropped connection)
 * @returns {{close:()=>void, lastSeq:()=>number, setSeq:(n:number)=>void}}
 */
export function connect(boardId, { after, onEvent, onStatus, exists }) {
  let seq = after ?? 0;
  let es = null;
  let closed = false;
  let retryTimer = null;
  let delay = 1000;

  function open() {
    onStatus?.('connecting');
    es = new EventSource(
      `/api/boards/${encodeURIComponent(boardId)}/events?after=${seq}&who=${BROWSER_ID}`);
    es.onopen = () => { delay = 1000; onStatus?.('live'); };
    es.onmessage = (msg) => {
      let data;
      try { data = JSON.parse(msg.data); } catch { return; }
      for (const ev of eventsOf(data)) {
        if (typeof ev.seq === 'number') seq = Math.max(seq, ev.seq);
        onEvent(ev);
        if (ev.type === 'board_deleted' || ev.type === 'access_revoked') { close(); return; }
      }
      // A batch's id is the last seq it covers, also when that event was coalesced away.
      const id = Number(msg.lastEventId);
      if (Number.isSafeInteger(id) && id > seq) seq = id;
    };
    es.onerror = () => {
      if (closed) return;
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. an HTTP error); try again ourselves, backing off, unless
        // the board was deleted while we were away.
        onStatus?.('offline');
        es.close();
        retryTimer = setTimeout(async () => {
          if (closed) return;
          if (exists && !(await exists())) {
            onEvent({ type: 'board_deleted' });
            close();
            return;
          }
          if (closed) return; // closed while we asked (e.g. the link was rotated)
          open();
        }, delay);
        delay = Math.min(delay * 2, 15000);
      } else {
        onStatus?.('connecting');
      }
    };
  }

  function close() {
    closed = true;
    clearTimeout(retryTimer);
    es?.close();
  }

  /** After a resync the refetched board's seq is where a later reconnect starts. */
  function setSeq(n) { if (typeof n === 'number') seq = n; }

  open();
  return { close, lastSeq: () => seq, setSeq };
}

/**
 * The events one SSE message holds: a busy board sends each tick's events as one
 * `{"type": "batch", "events": [...]}` message, oldest first; anything else is one event.
 * @param {object} data a parsed message
 * @returns {object[]}
 */
export function eventsOf(data) {
  if (data && data.type === 'batch' && Array.isArray(data.events)) return data.events;
  return [data];
}

/**
 * Live state that events change and requests also read (pointers, spotlight, timer): counts
 * the events, so an answer to a request sent before one of them, older news, is dropped.
 * @returns {{tick: () => void, since: () => (() => boolean)}} since() at send time gives a
 *   check that is true while no event has come in since.
 */
export function eventClock() {
  let n = 0;
  return {
    tick: () => { n += 1; },
    since: () => { const at = n; return () => at === n; },
  };
}
