// Who you are to the others on the board: the name beside your pointer, set from the
// presence chip, kept in this browser only (there are no accounts); and the spotlight
// (spotlight.js), which makes everyone else follow your view.

import { myName } from './cursors.js';
import { closePopovers, place } from './popover.js';
import { el } from './ui.js';

/** The "N here" chip's popover: how many people are here and the name others see for you. */
export function peoplePopover(ctx, anchor) {
  closePopovers();
  // A dialog holding a form (a form may not take the dialog role itself).
  const pop = el('div', 'popover people-pop', { role: 'dialog', 'aria-label': 'Your name' });
  const form = el('form');
  pop.append(form);
  const n = ctx.presence || 1;
  form.append(
    el('h2', '', {}, n === 1 ? 'Only you are here' : `${n} people are here`),
    el('p', 'muted', {}, 'Others see your pointer with this name beside it.'),
  );
  const input = el('input', 'text-input', {
    type: 'text', maxlength: '40', 'aria-label': 'Your name', autocomplete: 'nickname',
  });
  input.value = myName();
  const save = el('button', 'btn primary wide', { type: 'submit' }, 'Save name');
  const leading = ctx.spotlight?.leading();
  const spot = el('button', 'btn wide spot-btn', { type: 'button' },
    leading ? 'Stop spotlight' : 'Spotlight me: everyone follows my view');
  spot.addEventListener('click', () => {
    pop.remove();
    if (leading) ctx.spotlight.stop(); else ctx.spotlight?.lead();
  });
  form.append(input, save);
  // Leading everyone's view is the facilitator's (the server refuses it to others).
  if (ctx.may('manage')) form.append(el('hr', 'menu-sep'), spot);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.cursors?.setName(input.value);
    ctx.privateMode?.sayName(); // the name our notes carry as their author
    pop.remove();
    anchor.focus?.();
  });
  pop.addEventListener('keydown', (e) => { if (e.key === 'Escape') { pop.remove(); anchor.focus?.(); } });
  place(pop, anchor);
  input.select();
  input.focus();
  return pop;
}
