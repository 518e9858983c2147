// Private mode (write blind) and authors. The facilitator turns private mode on: from then
// each person's new notes reach everyone else as face-down cards (the server sends them no
// text, no author) until the facilitator reveals them. "Show authors" puts each note's
// writer under it; the server sends names only when it is on (or to the facilitator).
// This module shows the switches, the banner and the name our notes carry; render.js draws
// the cards from what the server sent. The switches are the facilitator's, in the board menu
// (the header has no room left at 768 px) and, while it is on, Reveal in the banner.

import { api } from './api.js';
import { myName } from './cursors.js';
import { $, setText, showError, toast } from './ui.js';

const OFF = { private: false, show_authors: true, version: 0 };

export function installPrivate(ctx, layer) {
  const banner = $('#private-banner');
  const reveal = banner.querySelector('.pb-reveal');
  let modes = OFF;
  let painted = '';

  /** How many notes we see face down now. */
  const faceDown = () => [...ctx.model.notes.values()].filter((n) => n.face_down).length;

  function paint() {
    const down = modes.private ? faceDown() : 0;
    const key = `${modes.private}|${modes.show_authors}|${down}`;
    if (key === painted) return; // runs on every change (a drag's every step)
    painted = key;
    layer.classList.toggle('show-authors', !!modes.show_authors);
    banner.hidden = !modes.private;
    const others = down === 1 ? '1 note by others is face down' : `${down} notes by others are face down`;
    let words = `Private mode is on: ${others} until the facilitator reveals them.`;
    if (ctx.may('manage')) words = `Private mode is on: ${others} until you reveal.`;
    else if (ctx.may('write')) words = `Private mode is on: only you see your new notes until the facilitator reveals them. ${others}.`;
    setText(banner.querySelector('.pb-text'), words);
  }

  function load(next) {
    const before = modes;
    modes = next || OFF;
    painted = '';
    paint();
    // Names come with the notes, and only while they are shown: re-read the board so they
    // arrive (shown) or leave this page altogether (hidden). A facilitator has them anyway.
    if (before !== OFF && before.show_authors !== modes.show_authors && !ctx.may('manage')) ctx.resync?.();
  }

  async function change(body) {
    try {
      const res = await api.setModes(ctx.boardId, body);
      load(res.modes);
      if (body.private === false) toast(`Revealed ${res.revealed} note${res.revealed === 1 ? '' : 's'} to everyone.`);
    } catch (e) { showError(e); }
  }

  /** Tell the server the name our notes carry (the one beside our pointer). */
  async function sayName() {
    if (!ctx.may('write')) return;
    try { await api.setMe(ctx.boardId, myName()); } catch { /* a courtesy: notes stay as named */ }
  }

  /** The board menu's "Start private mode" / "Reveal all notes". */
  ctx.togglePrivate = () => change({ private: !modes.private });
  reveal.addEventListener('click', () => change({ private: false }));
  /** The board menu's "Show authors" / "Hide authors" (the facilitator's). */
  ctx.toggleAuthors = () => change({ show_authors: !modes.show_authors });
  ctx.onChange(paint);
  sayName();
  return { apply: load, state: () => modes, sayName };
}
