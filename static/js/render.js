// DOM rendering of the board. Notes and frames are absolutely placed divs moved with
// transform: translate() inside one layer that carries the view's translate+scale, so pan and
// zoom touch a single style and a drag touches only the dragged elements. Every write is
// skipped when the value did not change; layout is read only once a frame, to shrink note text
// that overflows its note.
// Note text is always set with textContent: it is user data, never markup.

import { fitFontSize } from './geometry.js';
import { el } from './ui.js';

const MIN_FONT = 7; // px: below this a note is unreadable anyway; overflow is cut
export const FAR_ZOOM = 0.35; // below it, note text on screen is under ~7 px: not readable

/**
 * Build the renderer on the board layer element.
 * @param {HTMLElement} layer element that receives the view transform
 */
export function createRenderer(layer) {
  const framesEl = el('div', 'frames');
  const previewEl = el('div', 'previews');
  const notesEl = el('div', 'notes');
  layer.append(framesEl, previewEl, notesEl);
  const els = { note: new Map(), group: new Map() };
  let glideTimer = null;
  const gliding = new Set();

  /**
   * Create, update or remove the element of one item to match the model.
   * @param {{glide?: boolean|'fast'}} [opts] animate a position change (remote changes only)
   */
  function renderItem(model, kind, id, { glide = false } = {}) {
    const row = kind === 'note' ? model.notes.get(id) : model.groups.get(id);
    let node = els[kind].get(id);
    if (!row) {
      if (node) { node.remove(); els[kind].delete(id); }
      if (current === kind + ':' + id) current = null;
      return;
    }
    if (!node) {
      node = kind === 'note' ? makeNote(id) : makeFrame(id);
      els[kind].set(id, node);
      (kind === 'note' ? notesEl : framesEl).append(node);
      if (shownSel.has(kind + ':' + id)) mark(kind + ':' + id, true); // selected before it existed
      glide = false; // a new element has nowhere to glide from
    }
    const r = node._r;
    if (glide && (r.x !== row.x || r.y !== row.y)) {
      // 'fast' follows someone's live drag closely; a big rearrangement glides slowly.
      node.classList.remove('glide', 'glide-fast');
      node.classList.add(glide === 'fast' ? 'glide-fast' : 'glide');
      gliding.add(node);
      clearTimeout(glideTimer);
      glideTimer = setTimeout(endGlide, 700);
    }
    if (r.x !== row.x || r.y !== row.y) {
      node.style.transform = `translate(${row.x}px, ${row.y}px)`;
      r.x = row.x; r.y = row.y;
    }
    if (r.w !== row.w || r.h !== row.h) {
      node.style.width = `${row.w}px`;
      node.style.height = `${row.h}px`;
      r.w = row.w; r.h = row.h;
    }
    if (kind === 'note') updateNote(node, row, runnerUpTitle(model, row));
    else if (updateFrame(node, row)) relabelDoubts(model, id);
  }

  /** The title of the group a note is in doubt with, or null when it carries no mark. */
  function runnerUpTitle(model, row) {
    const g = row.runner_up && row.group_id && row.runner_up !== row.group_id
      ? model.groups.get(row.runner_up) : null;
    return g ? (g.title || 'Untitled group') : null;
  }

  /** A group was renamed: the notes in doubt with it say its new name. */
  function relabelDoubts(model, gid) {
    for (const n of model.notes.values()) {
      const node = n.runner_up === gid && els.note.get(n.id);
      if (node) updateNote(node, n, runnerUpTitle(model, n));
    }
  }

  function endGlide() {
    for (const n of gliding) n.classList.remove('glide', 'glide-fast');
    gliding.clear();
  }

  function updateNote(node, row, doubt) {
    const r = node._r;
    if (r.color !== row.color) {
      node.classList.remove(`c-${r.color}`);
      node.classList.add(`c-${row.color || 'yellow'}`);
      r.color = row.color;
    }
    const text = row.text ?? '';
    if (r.text !== text || r.fw !== row.w || r.fh !== row.h) {
      const textEl = node.firstChild;
      if (r.text !== text) textEl.textContent = text;
      textEl.style.fontSize = `${fitFontSize(text, row.w, row.h)}px`;
      scheduleFit(textEl);
      r.text = text; r.fw = row.w; r.fh = row.h;
    }
    // Private mode (private.js): a face-down card has no text at all (the server sent none);
    // our own hidden note is marked; the author line shows when the server sent a name.
    const down = !!row.face_down, own = !!row.hidden && !down, author = row.author || '';
    if (r.down !== down || r.own !== own) {
      node.classList.toggle('face-down', down);
      node.classList.toggle('private-own', own);
      r.down = down; r.own = own;
    }
    if (r.author !== author) {
      let a = node.querySelector(':scope > .note-author');
      if (!author) a?.remove();
      else {
        if (!a) { a = el('div', 'note-author'); node.append(a); }
        a.textContent = `by ${author}`; // the same words as the note's label
      }
      r.author = author;
    }
    const privateLabel = down ? `Face-down note, hidden until the facilitator reveals it (${row.color || 'yellow'})`
      : `${own ? 'Only you see this for now: ' : ''}${text || 'Empty'}${author ? `, by ${author}` : ''} (${row.color || 'yellow'})`;
    if (r.doubt !== doubt) {
      // The mark is a picture of what the note's name says; its menu is the note's own
      // (right click, the menu key, Shift+F10) or a click on it: no control inside a control.
      node.querySelector('.note-doubt')?.remove();
      if (doubt) {
        const m = el('span', 'note-doubt', { 'aria-hidden': 'true',
          title: `Close between this group and ${doubt}: click to move it` });
        m.textContent = '?';
        node.append(m);
      }
      r.doubt = doubt;
    }
    const label = privateLabel + (doubt ? `, in doubt: close to ${doubt}` : '');
    if (r.label !== label) {
      // The colour is part of the name: it is the one thing about a note only sight gives.
      node.setAttribute('aria-label', label);
      r.label = label;
    }
    const grouped = !!row.group_id;
    if (r.grouped !== grouped) { node.classList.toggle('grouped', grouped); r.grouped = grouped; }
  }

  // fitFontSize is an estimate from character counts (no layout per note); wide letters can
  // still overflow. Once a frame, shrink the ones that do: all reads, then all writes, a few
  // rounds, so a thousand new notes cost a few layouts, not a thousand.
  const toFit = new Set();
  let fitPending = false;

  function scheduleFit(el) {
    toFit.add(el);
    if (!fitPending) { fitPending = true; requestAnimationFrame(shrinkOverflowing); }
  }

  function shrinkOverflowing() {
    fitPending = false;
    let pending = [...toFit].filter((el) => el.isConnected);
    toFit.clear();
    for (const el of pending) el.classList.remove('break');
    for (let round = 0; round < 8 && pending.length; round += 1) {
      // Too tall, or a word too long for the line (words do not break: see .note-text.break).
      const over = pending.filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1);
      for (const el of over) el.style.fontSize = `${Math.max(MIN_FONT, parseFloat(el.style.fontSize) - 1)}px`;
      const stuck = over.filter((el) => parseFloat(el.style.fontSize) <= MIN_FONT);
      for (const el of stuck) el.classList.add('break'); // no font small enough: break words
      pending = over.filter((el) => parseFloat(el.style.fontSize) > MIN_FONT);
    }
  }

  /** Returns true when the title changed. */
  function updateFrame(node, row) {
    const r = node._r;
    if (r.title === row.title) return false;
    const renamed = r.title !== undefined;
    const t = node.querySelector('.frame-title');
    t.textContent = row.title || 'Untitled group';
    t.classList.toggle('placeholder', !row.title);
    node.setAttribute('aria-label', `Group ${row.title || 'untitled'}`);
    r.title = row.title;
    return renamed;
  }

  /** Render every item of the model (first paint, resync). */
  function renderAll(model) {
    for (const kind of ['note', 'group']) {
      const rows = kind === 'note' ? model.notes : model.groups;
      for (const id of [...els[kind].keys()]) if (!rows.has(id)) renderItem(model, kind, id);
      for (const id of rows.keys()) renderItem(model, kind, id);
    }
  }

  /** Render a list of touched {kind,id}. */
  function renderTouched(model, touched, opts) {
    const seen = new Set();
    for (const t of touched) {
      const k = t.kind + ':' + t.id;
      if (seen.has(k)) continue;
      seen.add(k);
      renderItem(model, t.kind, t.id, opts);
    }
  }

  /** Mark the selected items ('note:id' / 'group:id' keys). */
  let shownSel = new Set();
  function setSelection(keys) {
    for (const k of shownSel) if (!keys.has(k)) mark(k, false);
    for (const k of keys) if (!shownSel.has(k)) mark(k, true);
    shownSel = new Set(keys);
  }

  function mark(key, on) {
    elementOf(key)?.classList.toggle('sel', on);
    focusable(key)?.setAttribute('aria-pressed', String(on)); // selected, for screen readers
  }

  function elementOf(key) {
    const i = key.indexOf(':');
    return els[key.slice(0, i)]?.get(key.slice(i + 1));
  }

  /** The element keyboard focus lands on for an item: a note, or a frame's title. */
  function focusable(key) {
    const node = elementOf(key);
    return key.startsWith('group:') ? node?.querySelector('.frame-title') : node;
  }

  // Roving tabindex: one item of the board is in the Tab order (tabindex 0), the rest -1.
  let current = null;
  function setCurrent(key) {
    if (current && current !== key) focusable(current)?.setAttribute('tabindex', '-1');
    current = key && focusable(key) ? key : null;
    if (current) focusable(current).setAttribute('tabindex', '0');
  }

  /** The view transform of the layer (one style write). */
  function setView(view) {
    layer.style.transform = `translate(${view.tx}px, ${view.ty}px) scale(${view.zoom})`;
    layer.style.setProperty('--zoom', String(view.zoom)); // pointers keep their size on screen
    // Frame titles stay readable when zoomed out: they scale up as the board scales down,
    // capped so a title never grows past the gap above its frame. Below FAR_ZOOM note text
    // is too small to read: notes become coloured blocks and each title, drawn inside its
    // frame, keeps its full on-screen size (board.css .layer.far).
    const far = view.zoom < FAR_ZOOM;
    layer.style.setProperty('--inv-zoom', String(far ? 1 / view.zoom : Math.min(1.6, Math.max(1, 1 / view.zoom))));
    layer.classList.toggle('far', far);
  }

  /** Outline proposed groups ([{id, title, frame}]) without touching the board; null clears. */
  function setPreview(groups) {
    previewEl.replaceChildren();
    for (const g of groups || []) {
      const f = el('div', 'preview-frame', { 'data-id': g.id, 'aria-label': `Proposed group: ${g.title}` });
      f.style.transform = `translate(${g.frame.x}px, ${g.frame.y}px)`;
      f.style.width = `${g.frame.w}px`;
      f.style.height = `${g.frame.h}px`;
      const t = el('span', 'preview-title');
      t.textContent = `${g.title} (${g.note_ids.length})`;
      f.append(t);
      previewEl.append(f);
    }
  }

  return { renderItem, renderAll, renderTouched, setSelection, setView, elementOf, setPreview,
    focusable, setCurrent, current: () => current,
    noteEl: (id) => els.note.get(id), frameEl: (id) => els.group.get(id) };
}

function makeNote(id) {
  // A button the user selects (aria-pressed) and presses Enter on to edit; reached by Tab and
  // the arrow keys (roving tabindex, focus.js).
  const n = el('div', 'note', { 'data-kind': 'note', role: 'button', 'aria-roledescription': 'note',
    'aria-pressed': 'false', tabindex: '-1' });
  n.dataset.id = id;
  n.dataset.key = 'note:' + id;
  n.append(el('div', 'note-text'), el('div', 'note-resize', { title: 'Drag to resize', 'aria-hidden': 'true' }));
  n._r = {};
  return n;
}

function makeFrame(id) {
  const n = el('div', 'frame', { 'data-kind': 'group', role: 'group' });
  n.dataset.id = id;
  const head = el('div', 'frame-head');
  const title = el('span', 'frame-title', { title: 'Drag to move the group; double-click to rename',
    role: 'button', 'aria-roledescription': 'group', 'aria-pressed': 'false', tabindex: '-1' });
  title.dataset.key = 'group:' + id;
  // Out of the Tab order: from the focused title, Shift+F10 or the menu key opens it.
  const menu = el('button', 'frame-menu-btn', { type: 'button', 'aria-label': 'Group options', title: 'Group options', tabindex: '-1' });
  menu.textContent = '⋯';
  head.append(title, menu);
  const grip = el('div', 'frame-resize', { title: 'Drag to resize the group', 'aria-hidden': 'true' });
  n.append(head, grip);
  n._r = {};
  return n;
}
