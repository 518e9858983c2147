// Floating popovers: a generic menu anchored under a button, placing any popover under its
// anchor, and closing whichever is open. Only one popover is open at a time.

/** Remove every open popover. */
export function closePopovers() {
  document.querySelectorAll('.popover').forEach((p) => p.remove());
}

/** A small floating menu anchored under a button. items: [{label, title?, run, danger?} | 'sep']. */
export function popover(anchor, items, { className = '', label = 'Menu', at = null } = {}) {
  closePopovers();
  const pop = document.createElement('div');
  pop.className = `popover menu ${className}`;
  pop.setAttribute('role', 'menu');
  pop.setAttribute('aria-label', label);
  for (const it of items) {
    if (it === 'sep') { pop.append(Object.assign(document.createElement('hr'), { className: 'menu-sep' })); continue; }
    if (it.heading) {
      const h = document.createElement('div');
      h.className = 'menu-heading';
      h.textContent = it.heading;
      pop.append(h);
      continue;
    }
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'menu-item' + (it.danger ? ' danger' : '');
    b.setAttribute('role', 'menuitem');
    b.tabIndex = -1; // one Tab stop: the arrow keys move inside the menu
    b.textContent = it.label;
    if (it.title) b.title = it.title;
    if (it.hint) {
      const k = document.createElement('span');
      k.className = 'menu-hint';
      k.textContent = it.hint;
      b.append(k);
    }
    b.addEventListener('click', () => { pop.remove(); it.run(); });
    pop.append(b);
  }
  place(pop, anchor, at);
  pop.querySelector('[role=menuitem]')?.focus();
  pop.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); pop.remove(); anchor.focus?.(); return; }
    menuKeys(pop, e);
  });
  return pop;
}

/**
 * Arrow keys in a menu (WAI-ARIA menu pattern): Up/Down move between its items, wrapping;
 * Home/End go to the first/last. Items are buttons, so Enter and Space run them.
 */
export function menuKeys(pop, e) {
  const items = [...pop.querySelectorAll('[role=menuitem]:not([disabled])')];
  if (!items.length) return;
  const i = items.indexOf(document.activeElement);
  const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: items.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  items[(to + items.length) % items.length].focus();
}

/** Add `pop` to the page just under `anchor`, right-aligned to it and kept on screen. */
export function place(pop, anchor, at = null) {
  // Inside the page's tools landmark, so a screen reader finds it with the rest of the tools.
  (document.querySelector('.board-tools') || document.body).append(pop);
  if (at) { // a context menu: its corner at the pointer, kept on screen
    pop.style.left = `${Math.max(8, Math.min(window.innerWidth - pop.offsetWidth - 8, at.x))}px`;
    pop.style.top = `${Math.max(8, Math.min(window.innerHeight - pop.offsetHeight - 8, at.y))}px`;
    return;
  }
  const r = anchor.getBoundingClientRect();
  const pw = pop.offsetWidth;
  const left = Math.max(8, Math.min(window.innerWidth - pw - 8, r.right - pw));
  pop.style.left = `${r.right - pw < 8 ? Math.max(8, r.left) : left}px`;
  pop.style.top = `${r.bottom + 6}px`;
}
