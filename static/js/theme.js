// Light or dark: the system's choice (prefers-color-scheme) until the person picks one with
// the toggle; the pick is kept in localStorage and set as <html data-theme>, which the CSS
// variables in herd.css follow. Applied as soon as this module loads.

const KEY = 'herd.theme';
const media = globalThis.matchMedia?.('(prefers-color-scheme: dark)');

/** 'light' or 'dark': what the page shows now. */
export function effectiveTheme() {
  const picked = document.documentElement.dataset.theme;
  return picked || (media?.matches ? 'dark' : 'light');
}

/** Show `theme` ('light' | 'dark' | 'system') and remember it. */
export function setTheme(theme) {
  try {
    if (theme === 'system') localStorage.removeItem(KEY); else localStorage.setItem(KEY, theme);
  } catch { /* private mode: this page only */ }
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  for (const f of listeners) f(effectiveTheme());
}

/** Flip between light and dark. */
export function toggleTheme() {
  setTheme(effectiveTheme() === 'dark' ? 'light' : 'dark');
}

const listeners = new Set();
/** Call `f(theme)` whenever the theme changes (the toggle, or the system's setting). */
export function onTheme(f) {
  listeners.add(f);
  f(effectiveTheme());
}
media?.addEventListener?.('change', () => { for (const f of listeners) f(effectiveTheme()); });

/** A toggle button: pressed while dark. */
export function bindToggle(button) {
  button.addEventListener('click', toggleTheme);
  onTheme((t) => button.setAttribute('aria-pressed', String(t === 'dark')));
}

let saved = null;
try { saved = localStorage.getItem(KEY); } catch { /* private mode */ }
if (saved === 'light' || saved === 'dark') document.documentElement.dataset.theme = saved;
