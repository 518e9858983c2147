// Spotlight: lead the board (everyone else's view follows yours) or follow whoever leads it.
// The leader's browser sends its visible board rectangle at most every SEND_MS while the view
// moves, and again every HEARTBEAT_MS while it rests (the server forgets a spotlight after
// 30 s of silence). A follower's own pan or zoom means "let me look myself": it stops
// following that leader until the next spotlight.

import { api, CLIENT_ID } from './api.js';
import { myName } from './cursors.js';
import * as geo from './geometry.js';
import { $, setText, showError, toast } from './ui.js';
import { eventClock } from './live.js';

const SEND_MS = 150;
const HEARTBEAT_MS = 10000;
const STALE_MS = 35000; // a leader not heard of this long has gone (laptop closed)

export function installSpotlight(ctx) {
  let leading = false;
  let following = null; // {by, name} of the leader whose view we follow
  let declined = null; // the leader we stopped following by panning ourselves
  let heard = 0;
  let applying = false; // the view change is the leader's, not ours
  let sendTimer = null;
  let beat = null;
  let inFlight = false;
  let again = false;

  const banner = $('#spotlight-banner');
  const ownSetView = ctx.setView;
  ctx.setView = (v) => {
    if (following && !applying) {
      declined = following.by;
      following = null;
      show();
    }
    ownSetView(v);
    if (leading) schedule();
  };

  function schedule() {
    if (!sendTimer) sendTimer = setTimeout(send, SEND_MS);
  }

  async function send() {
    sendTimer = null;
    if (!leading) return;
    if (inFlight) { again = true; return; }
    inFlight = true;
    try {
      await api.spotlight(ctx.boardId, { view: ctx.visibleRect(), name: myName() });
    } catch (e) {
      if (leading) { stopLeading(false); showError(e); }
    } finally {
      inFlight = false;
      if (again) { again = false; schedule(); }
    }
  }

  function lead() {
    leading = true;
    following = null;
    declined = null;
    clearInterval(beat);
    beat = setInterval(send, HEARTBEAT_MS);
    send();
    show();
    toast('Spotlight on: everyone on this board now follows your view.');
  }

  function stopLeading(tell = true, keepalive = false) {
    if (!leading) return;
    leading = false;
    clearInterval(beat);
    if (tell) api.spotlight(ctx.boardId, { stop: true }, keepalive ? { keepalive: true } : undefined).catch(() => {});
    show();
  }

  /** A spotlight from a live event or from the board's current state (null: none). */
  function apply(spot) {
    if (!spot) {
      if (following) toast(`${following.name || 'The leader'} ended the spotlight.`);
      following = null;
      declined = null;
      show();
      return;
    }
    if (spot.by === CLIENT_ID) return; // our own, echoed
    if (leading) {
      stopLeading(false);
      toast(`${spot.name || 'Someone'} took over the spotlight.`);
    }
    heard = performance.now();
    if (declined === spot.by) return;
    following = { by: spot.by, name: spot.name };
    const { w, h } = ctx.viewportSize();
    applying = true;
    try { ctx.setView(geo.showRect(spot.view, w, h)); } finally { applying = false; }
    show();
  }

  function show() {
    banner.hidden = !leading && !following;
    banner.classList.toggle('leading', leading);
    setText(banner.querySelector('.sb-text'), leading ? 'You are leading: everyone follows your view'
      : following ? `Following ${following.name || 'the leader'}'s view` : '');
    setText(banner.querySelector('.sb-stop'), leading ? 'Stop spotlight' : 'Stop following');
  }

  banner.querySelector('.sb-stop').addEventListener('click', () => {
    if (leading) stopLeading();
    else if (following) { declined = following.by; following = null; show(); }
  });
  window.addEventListener('pagehide', () => stopLeading(true, true));
  setInterval(() => {
    if (following && performance.now() - heard > STALE_MS) { following = null; show(); }
  }, 5000);
  // What the board has now (on load, and after a reconnect: spotlight events are never
  // replayed), unless a live event, which is newer, came in meanwhile.
  const news = eventClock();
  function refresh() {
    const fresh = news.since();
    api.getSpotlight(ctx.boardId).then((r) => {
      if (!fresh()) return;
      if (leading && r.spotlight?.by !== CLIENT_ID) send(); // the server forgot us: lead again
      else apply(r.spotlight);
    }).catch(() => {});
  }
  refresh();

  return {
    apply: (spot) => { news.tick(); apply(spot); },
    refresh, lead, stop: () => stopLeading(), leading: () => leading,
  };
}
