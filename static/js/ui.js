// Small shared UI pieces: toasts, confirm dialogs, in-place editing and tiny DOM helpers.
// Text is always set with textContent.

/** The first element matching a CSS selector. */
export const $ = (sel) => document.querySelector(sel);

/** Set a node's text only when it differs (saves layout work on frequent updates). */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

/**
 * Show a toast. Errors stay longer; an optional action button (e.g. Undo) runs `onAction`.
 * @param {string} message
 * @param {{kind?:'info'|'error', action?:string, onAction?:()=>void, ms?:number}} [opts]
 */
export function toast(message, { kind = 'info', action, onAction, ms } = {}) {
  let box = document.getElementById('toasts');
  if (!box) {
    box = document.createElement('div');
    box.id = 'toasts';
    box.className = 'toasts';
    box.setAttribute('aria-live', 'polite');
    document.body.append(box);
  }
  const t = document.createElement('div');
  t.className = `toast ${kind}`;
  t.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const msg = document.createElement('span');
  msg.textContent = message;
  t.append(msg);
  if (action) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'toast-action';
    b.textContent = action;
    b.addEventListener('click', () => { dismiss(); onAction?.(); });
    t.append(b);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'toast-close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => dismiss());
  t.append(close);
  box.append(t);
  const timer = setTimeout(dismiss, ms ?? (kind === 'error' ? 8000 : action ? 10000 : 4000));
  function dismiss() {
    clearTimeout(timer);
    t.classList.add('out');
    setTimeout(() => t.remove(), 200);
  }
  return { dismiss };
}

/** Show an ApiError (or any Error) readably. */
export function showError(e) {
  toast(e?.message || String(e), { kind: 'error' });
}

/** A new element with a class, attributes and (as text, never markup) its content. */
export function el(tag, cls = '', attrs = {}, text = undefined) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

/**
 * A modal yes/no question on a <dialog>. Resolves true when confirmed.
 * @param {string} title @param {string} body @param {string} [okLabel]
 */
export function confirmDialog(title, body, okLabel = 'Delete') {
  return new Promise((resolve) => {
    const d = document.createElement('dialog');
    d.className = 'dialog';
    const row = el('div', 'dialog-actions');
    const cancel = el('button', 'btn', { type: 'button' }, 'Cancel');
    const ok = el('button', 'btn danger', { type: 'button' }, okLabel);
    row.append(cancel, ok);
    d.append(el('h2', '', {}, title), el('p', '', {}, body), row);
    document.body.append(d);
    const done = (v) => { d.close(); d.remove(); resolve(v); };
    cancel.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    d.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    d.showModal();
    ok.focus();
  });
}

/** Relative time like "just now", "5 min ago", "yesterday", or a date. */
export function timeAgo(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, (now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 172800) return 'yesterday';
  return new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/**
 * Edit a short text in place: an input replaces `shown` until Enter, Escape or blur (all save).
 * `place(input)` puts the input in the page; `onDone(value)` gets the trimmed new value when
 * it should be saved (changed, and non-empty unless `allowEmpty`).
 */
export function editInPlace(shown, { value, label, className, place, onDone, allowEmpty = false,
  afterClose = () => {} }) {
  const input = document.createElement('input');
  input.className = className;
  input.value = value || '';
  input.maxLength = 200;
  input.setAttribute('aria-label', label);
  shown.hidden = true;
  place(input);
  input.focus();
  input.select();
  let done = false;
  const finish = async (save) => {
    if (done) return;
    done = true;
    const next = input.value.trim();
    input.remove();
    shown.hidden = false;
    afterClose();
    if (save && next !== (value || '') && (next || allowEmpty)) await onDone(next);
  };
  input.addEventListener('keydown', (e) => {
    e.stopPropagation(); // typing here is text, not board shortcuts
    if (e.key === 'Enter') { e.preventDefault(); finish(true); }
    // Escape leaves the field keeping what was typed, as in a note (one rule for both).
    if (e.key === 'Escape') { e.preventDefault(); finish(true); }
  });
  input.addEventListener('blur', () => finish(true));
  input.addEventListener('pointerdown', (e) => e.stopPropagation());
  return input;
}
