// The board menu: downloads in every export format, and importing a list or a board file
// (from the menu's file picker or by dropping a file on the canvas).

import { api } from './api.js';
import { $, toast, showError } from './ui.js';
import { popover } from './popover.js';
import { effectiveTheme, toggleTheme } from './theme.js';

/** Open the board menu (export downloads, import, all boards) under `anchor`. */
export function boardMenu(ctx, anchor) {
  const dl = (format, view) => download(api.exportUrl(ctx.boardId, format, view));
  const importing = ctx.may('write') ? [
    'sep',
    { heading: 'Import' },
    { label: 'Import list or board file…', title: '.txt / .md: one note per line. .json: a board exported from Herd (opens as a new board).', run: () => $('#import-file').click() },
  ] : [];
  const locked = !!ctx.locks?.state().board;
  const session = ctx.may('manage') && ctx.toggleBoardLock ? [
    'sep',
    { label: locked ? 'Unlock the board' : 'Lock the board', title: 'Locked: editors can read, vote and point, but not move or edit', run: ctx.toggleBoardLock },
    ...(ctx.togglePrivate ? [{
      label: ctx.privateMode?.state().private ? 'Reveal all notes' : 'Start private mode',
      title: ctx.privateMode?.state().private ? 'Turn every face-down note face up, for everyone'
        : 'Everyone writes blind: others see new notes face down until you reveal',
      run: ctx.togglePrivate,
    }] : []),
    ...(ctx.toggleAuthors ? [{
      label: ctx.privateMode?.state().show_authors ? 'Hide authors' : 'Show authors',
      title: 'Whether each note shows who wrote it, for everyone', run: ctx.toggleAuthors,
    }] : []),
  ] : [];
  popover(anchor, [
    { heading: 'Download' },
    { label: 'Markdown (.md)', run: () => dl('md') },
    { label: 'Spreadsheet (.csv)', run: () => dl('csv') },
    { label: 'Board file (.json)', run: () => dl('json') },
    { label: 'Image of the board (.png)', run: () => dl('png') },
    { label: 'Image of this view (.png)', run: () => dl('png', ctx.visibleRect()) },
    { label: 'Vector image (.svg)', run: () => dl('svg') },
    ...importing,
    ...session,
    'sep',
    { label: effectiveTheme() === 'dark' ? 'Light mode' : 'Dark mode', title: 'Switch between light and dark', run: toggleTheme },
    { label: 'All boards', run: () => { location.href = '/'; } },
  ], { label: 'Board menu' });
}

/** Start a download without leaving the page; an error answer is shown as a toast. */
async function download(url) {
  try {
    const resp = await fetch(url);
    if (!resp.ok) {
      let msg = `Export failed (${resp.status}).`;
      try { msg = (await resp.json()).error.message; } catch { /* not JSON */ }
      throw new Error(msg);
    }
    const blob = await resp.blob();
    const cd = resp.headers.get('Content-Disposition') || '';
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = m ? decodeURIComponent(m[1]) : 'herd-board';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } catch (e) {
    showError(e);
  }
}

/** Wire the import file picker, and dropping a file on the canvas, to importFile. */
export function installImport(ctx) {
  $('#import-file').addEventListener('change', (e) => importFile(ctx, e.target.files?.[0], e.target));
  // Dropping a .txt/.md list or a board .json on the canvas imports it like the menu does.
  ctx.viewport.addEventListener('dragover', (e) => {
    if ([...(e.dataTransfer?.types || [])].includes('Files')) { e.preventDefault(); ctx.viewport.classList.add('drop'); }
  });
  ctx.viewport.addEventListener('dragleave', () => ctx.viewport.classList.remove('drop'));
  ctx.viewport.addEventListener('drop', (e) => {
    ctx.viewport.classList.remove('drop');
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    importFile(ctx, file);
  });
}

const MAX_BOARD_FILE = 32_000_000;
const MAX_LIST_FILE = 1_000_000;

/** Import a .txt/.md list into this board, or a board .json as a new board; clears `input`. */
async function importFile(ctx, file, input = null) {
  if (input) input.value = '';
  if (!file) return;
  const isBoard = /\.json$/i.test(file.name) || file.type === 'application/json';
  // The server's limits: a board export may be large (32 MB); a text list is a request body.
  const limit = isBoard ? MAX_BOARD_FILE : MAX_LIST_FILE;
  if (file.size > limit) {
    toast(`That file is over ${limit / 1_000_000} MB, too large to import.`, { kind: 'error' });
    return;
  }
  const text = await file.text();
  try {
    if (isBoard) {
      let data;
      try { data = JSON.parse(text); } catch { throw new Error('That .json file is not valid JSON, so it cannot be a Herd board.'); }
      const board = await api.importBoard(data);
      toast(`Imported "${board.name}" as a new board. Opening it…`);
      location.href = `/b/${encodeURIComponent(board.id)}`;
    } else {
      const r = ctx.visibleRect();
      const res = await api.importText(ctx.boardId, text, { x: r.x + r.w / 2, y: r.y + r.h / 2 });
      await ctx.resync();
      const ids = (res?.results || []).map((r) => 'note:' + r.id);
      ctx.select(ids);
      toast(`Imported ${ids.length} note${ids.length === 1 ? '' : 's'} from ${file.name}.`);
    }
  } catch (e) {
    showError(e);
  }
}
