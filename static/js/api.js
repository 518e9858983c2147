// fetch wrapper for the Herd API: JSON in and out, one error shape (ApiError) for everything
// that goes wrong, network failures included, so the UI has one way to show them.

/** This browser tab's id, sent as X-Herd-Client so live events can tell our own echoes. */
export const CLIENT_ID = (globalThis.crypto?.randomUUID?.() || String(Math.random()).slice(2))
  .replace(/-/g, '').slice(0, 24);

/** This browser's id, shared by its tabs: presence counts people, not tabs. */
export const BROWSER_ID = (() => {
  try {
    let id = localStorage.getItem('herd.browser');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id || '')) {
      id = CLIENT_ID;
      localStorage.setItem('herd.browser', id);
    }
    return id;
  } catch {
    return CLIENT_ID; // storage blocked (private mode): this tab counts alone
  }
})();

/** An API failure: {status, code, message, details} as in docs/api.md (status 0: network). */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * One API call. Resolves to the parsed JSON body (null for 204), rejects with ApiError.
 * @param {string} method @param {string} path e.g. "/api/boards" @param {any} [body]
 * @param {RequestInit} [extra] more fetch options (keepalive for a request that outlives the page)
 */
export async function request(method, path, body, extra = {}) {
  const init = { ...extra, method, headers: { 'X-Herd-Client': CLIENT_ID, Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', NO_ANSWER);
  }
  if (resp.status === 204) return null;
  let data = null;
  try {
    data = await resp.json();
  } catch {
    if (resp.ok) return null;
  }
  if (!resp.ok) throw failure(resp.status, data?.error, resp.statusText);
  return data;
}

/**
 * The ApiError for an answer's {"error": {...}} (`e`), over HTTP or the board's socket.
 * @param {number} status @param {any} e @param {string} [statusText]
 */
export function failure(status, e, statusText = '') {
  const err = new ApiError(status, e?.code || 'error',
    e?.message || `The server answered ${status} ${statusText}.`, e?.details);
  // A link that was rotated (or no credentials at all): the page says so once, whatever
  // asked; see board.js.
  if (status === 401) globalThis.dispatchEvent?.(new CustomEvent('herd:unauthenticated', { detail: err }));
  return err;
}

/** What a write that got no answer says (the connection failed or dropped). */
export const NO_ANSWER = 'Cannot reach the Herd server. Check that it is running; your last change was not saved.';

const enc = encodeURIComponent;

/** Every API route the front end uses, by name. */
export const api = {
  listBoards: () => request('GET', '/api/boards'),
  createBoard: (name, template = null) => request('POST', '/api/boards', template ? { name, template } : { name }),
  listTemplates: () => request('GET', '/api/templates'),
  getBoard: (b) => request('GET', `/api/boards/${enc(b)}`),
  renameBoard: (b, name) => request('PATCH', `/api/boards/${enc(b)}`, { name }),
  deleteBoard: (b) => request('DELETE', `/api/boards/${enc(b)}`),
  ops: (b, ops) => request('POST', `/api/boards/${enc(b)}/ops`, { ops }),
  ai: () => request('GET', '/api/ai'),
  lock: (b, body) => request('POST', `/api/boards/${enc(b)}/lock`, body),
  unlock: (b, body) => request('POST', `/api/boards/${enc(b)}/unlock`, body),
  setModes: (b, body) => request('PATCH', `/api/boards/${enc(b)}/modes`, body),
  setMe: (b, name) => request('PUT', `/api/boards/${enc(b)}/me`, { name }),
  getVote: (b) => request('GET', `/api/boards/${enc(b)}/vote`),
  startVote: (b, body) => request('POST', `/api/boards/${enc(b)}/vote`, body),
  endVote: (b) => request('POST', `/api/boards/${enc(b)}/vote/end`),
  addDot: (b, noteId, voteId) => request('POST', `/api/boards/${enc(b)}/vote/dots`, { note_id: noteId, vote_id: voteId }),
  takeBackDot: (b, noteId) => request('DELETE', `/api/boards/${enc(b)}/vote/dots/${enc(noteId)}`),
  organize: (b, body) => request('POST', `/api/boards/${enc(b)}/organize`, body),
  organizeJob: (b, job) => request('GET', `/api/boards/${enc(b)}/organize/${enc(job)}`),
  cancelOrganize: (b, job) => request('POST', `/api/boards/${enc(b)}/organize/${enc(job)}/cancel`),
  sortNotes: (b, body) => request('POST', `/api/boards/${enc(b)}/organize/sort`, body),
  applyOrganize: (b, job) => request('POST', `/api/boards/${enc(b)}/organize/${enc(job)}/apply`),
  undoOrganize: (b, job) => request('POST', `/api/boards/${enc(b)}/organize/${enc(job)}/undo`),
  getTimer: (b) => request('GET', `/api/boards/${enc(b)}/timer`),
  startTimer: (b, seconds, name) => request('POST', `/api/boards/${enc(b)}/timer`, { seconds, name }),
  stopTimer: (b) => request('POST', `/api/boards/${enc(b)}/timer`, { stop: true }),
  getSpotlight: (b) => request('GET', `/api/boards/${enc(b)}/spotlight`),
  spotlight: (b, body, extra) => request('POST', `/api/boards/${enc(b)}/spotlight`, body, extra),
  peers: (b) => request('GET', `/api/boards/${enc(b)}/cursors`),
  cursor: (b, where, extra) => request('POST', `/api/boards/${enc(b)}/cursor`, where, extra),
  suggestTitle: (b, g) => request('POST', `/api/boards/${enc(b)}/groups/${enc(g)}/suggest-title`),
  importText: (b, text, at) => request('POST', `/api/boards/${enc(b)}/import-text`,
    at ? { text, x: Math.round(at.x), y: Math.round(at.y) } : { text }),
  importBoard: (json) => request('POST', '/api/boards/import', json),
  links: (b) => request('GET', `/api/boards/${enc(b)}/links`),
  rotateLink: (b, role) => request('POST', `/api/boards/${enc(b)}/links/${enc(role)}/rotate`),
  linkQrUrl: (b, role) => `/api/boards/${enc(b)}/links/${enc(role)}/qr.svg?`,
  exportUrl: (b, format, view) =>
    `/api/boards/${enc(b)}/export?format=${enc(format)}` +
    (view ? `&view=${[view.x, view.y, view.w, view.h].map((v) => Math.round(v)).join(',')}` : ''),
};
