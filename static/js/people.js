// Who you are to the others on the board: the name beside your pointer, set from the
// presence chip. Kept in this browser only (there are no accounts); others see it at once.

import { myName } from './cursors.js';
import { closePopovers, place } from './popover.js';
import { el } from './ui.js';

/** The "N here" chip's popover: how many people are here and the name others see for you. */
export function peoplePopover(ctx, anchor) {
  closePopovers();
  const pop = el('form', 'popover people-pop', { role: 'dialog', 'aria-label': 'Your name' });
  const n = ctx.presence || 1;
  pop.append(
    el('h3', '', {}, n === 1 ? 'Only you are here' : `${n} people are here`),
    el('p', 'muted', {}, 'Others see your pointer with this name beside it.'),
  );
  const input = el('input', 'text-input', {
    type: 'text', maxlength: '40', 'aria-label': 'Your name', autocomplete: 'nickname',
  });
  input.value = myName();
  const save = el('button', 'btn primary wide', { type: 'submit' }, 'Save name');
  pop.append(input, save);
  pop.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.cursors?.setName(input.value);
    pop.remove();
    anchor.focus?.();
  });
  pop.addEventListener('keydown', (e) => { if (e.key === 'Escape') { pop.remove(); anchor.focus?.(); } });
  place(pop, anchor);
  input.select();
  input.focus();
  return pop;
}
