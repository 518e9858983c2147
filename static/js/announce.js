// Calm announcements of other people's changes for screen readers: counts gathered over a
// few seconds, said once ("Others added 2 notes and changed 5."), never one per move.

const QUIET_MS = 3000;

/** Count what a remote `changes` list did, on top of `counts`, given what was there before. */
export function countChanges(counts, changes, had) {
  const out = { ...counts };
  for (const c of changes || []) {
    const what = c.op === 'delete' ? 'removed' : had(c.kind, c.item.id) ? 'changed' : 'added';
    const k = `${c.kind}:${what}`;
    out[k] = (out[k] || 0) + 1;
  }
  return out;
}

/** The sentence for some counts, or '' when there is nothing to say. */
export function describe(counts) {
  const parts = [];
  for (const what of ['added', 'changed', 'removed']) {
    const items = [];
    for (const [kind, one, many] of [['note', 'note', 'notes'], ['group', 'group', 'groups']]) {
      const n = counts[`${kind}:${what}`] || 0;
      if (n) items.push(`${n} ${n === 1 ? one : many}`);
    }
    if (items.length) parts.push(`${what} ${items.join(' and ')}`);
  }
  if (!parts.length) return '';
  const last = parts.pop();
  return `Others ${parts.length ? parts.join(', ') + ' and ' : ''}${last}.`;
}

/** A polite live region on the page, ctx.announceChanges(changes) feeding it, and
 * ctx.announce(text) for what the person's own action did. */
export function installAnnouncer(ctx) {
  const region = document.createElement('div');
  region.className = 'visually-hidden';
  region.setAttribute('role', 'status');
  region.setAttribute('aria-live', 'polite');
  (document.querySelector('.board-tools') || document.body).append(region);
  let counts = {};
  let timer = null;
  /** Say something now (a search landing on its match): what the person just did. */
  ctx.announce = (text) => { region.textContent = text; };
  ctx.announceChanges = (changes) => {
    counts = countChanges(counts, changes, (kind, id) => !!ctx.lookup(kind, id));
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      region.textContent = describe(counts);
      counts = {};
    }, QUIET_MS);
  };
  return region;
}
