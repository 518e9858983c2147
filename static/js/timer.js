// The workshop timer: a countdown everyone on the board sees in the header, started, topped
// up or stopped by anyone. Events carry the time *left*, so each browser counts down on its
// own clock and nobody's clock needs to be right.

import { api } from './api.js';
import { myName } from './cursors.js';
import { closePopovers, place } from './popover.js';
import { $, el, setText, showError, toast } from './ui.js';
import { eventClock } from './live.js';

const PRESETS = [1, 3, 5, 10, 15, 30]; // minutes
const OVER_MS = 15000; // "time's up" stays on the chip this long
const LOW_S = 30; // the last seconds turn the chip red

/** "4:05", "1:02:03" for a number of seconds. */
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

export function installTimer(ctx) {
  const chip = $('#timer-btn');
  let running = null; // {seconds, endsAt (performance.now ms), name}
  let overUntil = 0;
  let ticker = null;
  const news = eventClock(); // an answer older than a timer event is stale

  function left() {
    return running ? (running.endsAt - performance.now()) / 1000 : 0;
  }

  function render() {
    const now = performance.now();
    if (running && left() <= 0) {
      running = null;
      overUntil = now + OVER_MS;
      toast("Time's up!");
    }
    const over = !running && now < overUntil;
    chip.classList.toggle('running', !!running && left() > LOW_S);
    chip.classList.toggle('low', !!running && left() <= LOW_S);
    chip.classList.toggle('over', over);
    setText(chip.querySelector('.timer-left'), running ? clock(left()) : over ? "Time's up" : '');
    chip.setAttribute('aria-label', running ? `Timer: ${clock(left())} left` : 'Timer');
    if (!running && !over && ticker) { clearInterval(ticker); ticker = null; }
    if ((running || over) && !ticker) ticker = setInterval(render, 250);
  }

  function apply(t) {
    if (!t) {
      if (running && left() > 0.5) toast('The timer was stopped.');
      running = null;
      overUntil = 0;
    } else {
      running = { seconds: t.seconds, endsAt: performance.now() + t.remaining * 1000, name: t.name };
      overUntil = 0;
    }
    render();
  }

  async function start(seconds) {
    closePopovers();
    const fresh = news.since();
    try {
      const { timer } = await api.startTimer(ctx.boardId, seconds, myName());
      if (fresh()) apply(timer);
    } catch (e) { showError(e); }
  }

  async function stop() {
    closePopovers();
    const fresh = news.since();
    try {
      const { timer } = await api.stopTimer(ctx.boardId);
      if (fresh()) apply(timer);
    } catch (e) { showError(e); }
  }

  chip.addEventListener('click', () => {
    closePopovers();
    const pop = el('div', 'popover timer-pop', { role: 'dialog', 'aria-label': 'Timer' });
    if (!ctx.may('manage')) {
      pop.append(el('h2', '', {}, running ? `${clock(left())} left` : 'No timer running'),
        el('p', 'muted', {}, 'The facilitator starts and stops the timer.'));
    } else if (running) {
      pop.append(el('h2', '', {}, `${clock(left())} left`));
      const more = el('button', 'btn wide', { type: 'button' }, '+1 minute');
      more.addEventListener('click', () => start(Math.min(4 * 3600, Math.ceil(left()) + 60)));
      const end = el('button', 'btn wide danger', { type: 'button' }, 'Stop timer');
      end.addEventListener('click', stop);
      pop.append(more, end);
    } else {
      pop.append(el('h2', '', {}, 'Start a timer for everyone'));
      // A board made from a template offers the timer it suggests first, and prefilled.
      const suggested = ctx.template?.timer_seconds;
      if (suggested) {
        const b = el('button', 'btn primary wide timer-suggested', { type: 'button' },
          `Suggested: ${clock(suggested)}`);
        b.addEventListener('click', () => start(suggested));
        pop.append(b);
      }
      const grid = el('div', 'timer-presets');
      for (const m of PRESETS) {
        const b = el('button', 'btn', { type: 'button' }, `${m} min`);
        b.addEventListener('click', () => start(m * 60));
        grid.append(b);
      }
      const form = el('form', 'timer-custom');
      const input = el('input', '', { type: 'number', min: '1', max: '240', step: '1',
        placeholder: 'Minutes', 'aria-label': 'Minutes' });
      if (suggested) input.value = String(Math.round(suggested / 60));
      form.append(input, el('button', 'btn primary', { type: 'submit' }, 'Start'));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const m = Number(input.value);
        if (!(m >= 1 && m <= 240)) { input.setCustomValidity('From 1 to 240 minutes'); input.reportValidity(); return; }
        start(Math.round(m * 60));
      });
      pop.append(grid, form);
    }
    pop.addEventListener('keydown', (e) => { if (e.key === 'Escape') { pop.remove(); chip.focus(); } });
    place(pop, chip);
    pop.querySelector('button')?.focus();
  });

  /** The board's timer now (on load, and after a reconnect: timer events are never replayed). */
  function refresh() {
    const fresh = news.since();
    api.getTimer(ctx.boardId).then((r) => { if (fresh()) apply(r.timer); }).catch(() => {});
  }
  refresh();
  return {
    /** A timer live event (null: none running). */
    apply: (t) => { news.tick(); apply(t); },
    refresh, left: () => (running ? left() : 0),
  };
}
