// Search the board (Ctrl+F, or the toolbar's magnifier): every note and frame title holding
// the words is marked, Enter / Shift+Enter (or the arrows) jump to the next / previous one and
// zoom to it, "2 of 5" says where you are, Esc closes. It searches what this browser holds:
// a note the server keeps hidden from us (private mode) has no text here, so it never matches.

import * as geo from './geometry.js';
import * as S from './state.js';
import { $, setText } from './ui.js';

/** Lower-case, without accents, so "Cafe" finds "café". */
export function fold(text) {
  return String(text || '').normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/**
 * The keys ('note:id' / 'group:id') of the rows whose text (notes) or title (frames) holds
 * every word of `query`, in reading order (top to bottom, then left to right).
 */
export function findMatches(notes, groups, query) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const hit = (text) => { const t = fold(text); return words.every((w) => t.includes(w)); };
  const found = [];
  for (const n of notes) if (hit(n.text)) found.push({ key: 'note:' + n.id, x: n.x, y: n.y });
  for (const g of groups) if (hit(g.title)) found.push({ key: 'group:' + g.id, x: g.x, y: g.y });
  return geo.readingOrder(found).map((f) => f.key);
}

/** "2 of 5", "No matches", or '' before anything is typed. */
export function countText(index, total, query) {
  if (!query.trim()) return '';
  return total ? `${index + 1} of ${total}` : 'No matches';
}

/** Wire the search bar to the board; returns {open, close} (also ctx.openSearch). */
export function installSearch(ctx) {
  const bar = $('#search-bar');
  const input = $('#search-input');
  const count = $('#search-count');
  const say = (text) => ctx.announce?.(text); // announce.js's polite live region
  let matches = [];
  let index = -1;
  let marked = new Set();
  let returnTo = null;

  function mark() {
    const now = new Set(matches);
    for (const k of marked) if (!now.has(k)) target(k)?.classList.remove('search-hit', 'search-current');
    for (const k of now) target(k)?.classList.add('search-hit');
    for (const k of now) target(k)?.classList.toggle('search-current', k === matches[index]);
    marked = now;
    setText(count, countText(index, matches.length, input.value));
    $('#search-prev').disabled = $('#search-next').disabled = matches.length === 0;
  }

  /** The element that carries the highlight: the note, or the frame's title. */
  function target(key) {
    return ctx.renderer.focusable(key);
  }

  /** Find again (typing, or the board changed): stay on the same match when it still is one. */
  function refresh() {
    const current = matches[index];
    matches = findMatches(S.visible(ctx.model, 'note').values(), S.visible(ctx.model, 'group').values(), input.value);
    index = matches.indexOf(current);
    if (index < 0) index = matches.length ? 0 : -1;
    mark();
  }

  function describeMatch(key) {
    const row = ctx.lookupKey(key);
    if (!row) return '';
    const what = key.startsWith('note:') ? `note “${row.text}”` : `group “${row.title}”`;
    return `${index + 1} of ${matches.length}: ${what}`;
  }

  /** Go `step` matches on (1 next, -1 previous) and bring it into view, zoomed to read. */
  function jump(step) {
    if (!matches.length) { say(input.value.trim() ? 'No matches' : ''); return; }
    index = (index + step + matches.length) % matches.length;
    const key = matches[index];
    const row = ctx.lookupKey(key);
    if (row) ctx.fit([row]);
    mark();
    say(describeMatch(key));
  }

  function open() {
    if (bar.hidden) returnTo = document.activeElement;
    bar.hidden = false;
    $('#search-btn').setAttribute('aria-expanded', 'true');
    input.focus();
    input.select();
    refresh();
  }

  /** Close; the keyboard lands on the match it was at (or back where it came from). */
  function close() {
    if (bar.hidden) return;
    const key = matches[index];
    bar.hidden = true;
    $('#search-btn').setAttribute('aria-expanded', 'false');
    matches = [];
    index = -1;
    mark();
    if (!(key && ctx.focusItem(key))) (returnTo?.isConnected ? returnTo : ctx.viewport).focus({ preventScroll: true });
  }

  let typed = false;
  input.addEventListener('input', () => {
    refresh();
    // The first match is shown as you type, once the words are there (not on every letter).
    clearTimeout(typed);
    typed = setTimeout(() => { if (!bar.hidden && matches.length) jump(0); else if (!bar.hidden) say(countText(index, 0, input.value)); }, 300);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(typed); jump(e.shiftKey ? -1 : 1); }
    else if (e.key === 'Escape') { e.preventDefault(); close(); }
    else if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) { e.preventDefault(); input.select(); }
  });
  $('#search-next').addEventListener('click', () => jump(1));
  $('#search-prev').addEventListener('click', () => jump(-1));
  $('#search-close').addEventListener('click', close);
  bar.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
  $('#search-btn').addEventListener('click', () => (bar.hidden ? open() : close()));

  // Someone edits, adds or removes a note while the bar is open: the marks follow (once a frame).
  let queued = false;
  ctx.onChange(() => {
    if (bar.hidden || queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; if (!bar.hidden) refresh(); });
  });
  ctx.openSearch = open;
  ctx.closeSearch = close;
  return { open, close };
}
