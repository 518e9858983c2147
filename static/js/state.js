// Pure board model: server rows, optimistic local edits on top, version rules, undo/redo.
//
// Every row the server sent is kept in `server`; what the user sees is that row with this
// client's not-yet-confirmed edits (`pending`) laid over it. A batch of ops is applied
// locally at once under a token; when the server answers, the token's overlay is dropped and
// the answered rows take its place; when it fails, the overlay is dropped and the board is
// exactly what the server holds. Rows carry `version`; an incoming row older than the one
// held is stale and dropped.

export const COLORS = ['yellow', 'orange', 'pink', 'purple', 'blue', 'green', 'gray', 'white'];
export const NOTE_FIELDS = ['text', 'x', 'y', 'w', 'h', 'color', 'group_id', 'runner_up'];
export const GROUP_FIELDS = ['title', 'x', 'y', 'w', 'h', 'origin'];

/**
 * A model from GET /api/boards/{b}.
 * @param {{board:object, notes:object[], groups:object[], seq:number}} data
 */
export function createModel(data) {
  const model = {
    board: data.board,
    seq: data.seq ?? 0,
    server: { note: new Map(), group: new Map() },
    pending: { note: new Map(), group: new Map() },
    notes: new Map(),
    groups: new Map(),
  };
  for (const n of data.notes || []) model.server.note.set(n.id, n);
  for (const g of data.groups || []) model.server.group.set(g.id, g);
  for (const n of data.notes || []) recompute(model, 'note', n.id);
  for (const g of data.groups || []) recompute(model, 'group', g.id);
  return model;
}

/** The visible map for a kind ('note' -> model.notes, 'group' -> model.groups). */
export function visible(model, kind) {
  return kind === 'note' ? model.notes : model.groups;
}

/** Rebuild the visible row of one item from its server row and pending overlay. */
function recompute(model, kind, id) {
  const s = model.server[kind].get(id);
  const p = model.pending[kind].get(id);
  const map = visible(model, kind);
  if (p?.deleted || (!s && !p?.created)) {
    map.delete(id);
  } else if (!s) {
    map.set(id, { ...p.fields });
  } else {
    map.set(id, p ? { ...s, ...p.fields } : s);
  }
}

/**
 * Store a row from the server unless it is older than the one held (version rule).
 * @returns {boolean} whether it was taken
 */
export function upsertServerRow(model, kind, row, { force = false } = {}) {
  const cur = model.server[kind].get(row.id);
  if (cur && !force && (row.version ?? 0) < (cur.version ?? 0)) return false;
  model.server[kind].set(row.id, row);
  recompute(model, kind, row.id);
  return true;
}

/** Forget a row the server deleted; when a group goes, its notes are ungrouped (as the server does). */
function deleteServerRow(model, kind, id, touched) {
  model.server[kind].delete(id);
  model.pending[kind].delete(id);
  recompute(model, kind, id);
  touched.push({ kind, id });
  if (kind === 'group') {
    for (const [nid, n] of model.server.note) {
      if (n.group_id === id) {
        model.server.note.set(nid, { ...n, group_id: null });
        recompute(model, 'note', nid);
        touched.push({ kind: 'note', id: nid });
      }
    }
  }
}

/**
 * Apply a live `changes` list from another client. Stale rows are dropped; a 'patch' names
 * only the columns that changed.
 * @returns {{kind:string,id:string}[]} the items whose visible state may have changed
 *   (`.missing`: a patch of a row this model does not hold; the caller re-reads the board)
 */
export function applyRemote(model, changes) {
  const touched = [];
  for (const c of changes || []) {
    if (c.op === 'delete') {
      deleteServerRow(model, c.kind, c.item.id, touched);
    } else if (c.op === 'patch') {
      // Only the columns that changed (a move): laid over the row held, by the version rule.
      const cur = model.server[c.kind].get(c.item.id);
      if (!cur) touched.missing = true; // a row we never got: only a re-read mends that
      else if (upsertServerRow(model, c.kind, { ...cur, ...c.item })) {
        touched.push({ kind: c.kind, id: c.item.id });
      }
    } else if (upsertServerRow(model, c.kind, c.item)) {
      touched.push({ kind: c.kind, id: c.item.id });
    }
  }
  return touched;
}

/**
 * Lay a batch of ops over the model as this client's pending edits under `token`.
 * @param {object[]} ops  API ops: {op, kind, id, fields?}
 * @returns {{kind:string,id:string}[]} touched items
 */
export function applyLocal(model, ops, token) {
  const touched = [];
  for (const op of ops) {
    const pend = model.pending[op.kind];
    const prev = pend.get(op.id);
    if (op.op === 'create') {
      pend.set(op.id, { token, created: true, fields: { ...op.fields, id: op.id, version: 0 } });
    } else if (op.op === 'update') {
      pend.set(op.id, { ...prev, token, deleted: false,
        fields: { ...(prev?.fields || {}), ...op.fields } });
    } else if (op.op === 'delete') {
      pend.set(op.id, { ...prev, token, deleted: true, fields: prev?.fields || {} });
      if (op.kind === 'group') {
        // The server ungroups the group's notes; show that at once.
        for (const n of model.notes.values()) {
          if (n.group_id === op.id) {
            const np = model.pending.note.get(n.id);
            model.pending.note.set(n.id, { ...np, token,
              fields: { ...(np?.fields || {}), group_id: null } });
            recompute(model, 'note', n.id);
            touched.push({ kind: 'note', id: n.id });
          }
        }
      }
    }
    recompute(model, op.kind, op.id);
    touched.push({ kind: op.kind, id: op.id });
  }
  return touched;
}

/** Drop every pending overlay made under `token` (e.g. a draft never sent); returns the touched items. */
export function dropToken(model, token) {
  const touched = [];
  for (const kind of ['note', 'group']) {
    for (const [id, p] of model.pending[kind]) {
      if (p.token === token) {
        model.pending[kind].delete(id);
        recompute(model, kind, id);
        touched.push({ kind, id });
      }
    }
  }
  return touched;
}

/**
 * The server accepted the batch sent under `token`: take its answered rows and drop the overlay.
 * @param {object[]} ops the ops as sent @param {object[]} results the /ops `results`
 */
export function settle(model, token, ops, results) {
  const touched = [];
  (results || []).forEach((row, i) => {
    const kind = ops[i]?.kind;
    if (!kind || !row) return;
    if (row.deleted) deleteServerRow(model, kind, row.id, touched);
    else if (upsertServerRow(model, kind, row)) touched.push({ kind, id: row.id });
  });
  return touched.concat(dropToken(model, token));
}

/**
 * The server refused the batch sent under `token`: the board goes back to what the server
 * holds. A 409's `details.current` row is adopted even if we thought ours was newer.
 */
export function fail(model, token, error) {
  const touched = dropToken(model, token);
  const cur = error?.details?.current;
  if (cur && cur.id) {
    const kind = 'title' in cur && !('text' in cur) ? 'group' : 'note';
    upsertServerRow(model, kind, cur, { force: true });
    touched.push({ kind, id: cur.id });
  }
  return touched;
}

/** Replace the whole model's server state (after a resync); pending edits are kept. */
export function reset(model, data) {
  const fresh = createModel(data);
  const touched = [];
  for (const kind of ['note', 'group']) {
    for (const id of new Set([...visible(model, kind).keys(), ...fresh.server[kind].keys()])) {
      touched.push({ kind, id });
    }
    model.server[kind] = fresh.server[kind];
  }
  model.board = fresh.board;
  model.seq = fresh.seq;
  for (const t of touched) recompute(model, t.kind, t.id);
  return touched;
}

/** Copy the named fields of a row (undefined ones skipped). */
export function pick(row, fields) {
  const out = {};
  for (const f of fields) if (row && row[f] !== undefined) out[f] = row[f];
  return out;
}

/**
 * The ops that undo `ops`, computed from the rows as they were before (via `lookup`).
 * Order: groups re-created first (notes may point at them), then notes, then updates, then
 * deletes, so the batch is valid in one transaction.
 * @param {(kind:string, id:string) => object|undefined} lookup row before the change
 * @param {object[]} ops
 * @param {Iterable<object>} [notes] notes before the change (to regroup them on group undelete)
 */
export function invertOps(lookup, ops, notes = []) {
  const createGroups = [], createNotes = [], updates = [], deletes = [];
  const seen = new Set();
  for (const op of ops) {
    const key = op.kind + ':' + op.id;
    const before = lookup(op.kind, op.id);
    if (op.op === 'create') {
      deletes.push({ op: 'delete', kind: op.kind, id: op.id });
    } else if (op.op === 'update' && before && !seen.has(key)) {
      updates.push({ op: 'update', kind: op.kind, id: op.id,
        fields: pick(before, Object.keys(op.fields || {})) });
    } else if (op.op === 'delete' && before) {
      const fields = pick(before, op.kind === 'note' ? NOTE_FIELDS : GROUP_FIELDS);
      (op.kind === 'group' ? createGroups : createNotes)
        .push({ op: 'create', kind: op.kind, id: op.id, fields });
      if (op.kind === 'group') {
        for (const n of notes) {
          if (n.group_id === op.id && !ops.some((o) => o.kind === 'note' && o.id === n.id && o.op === 'delete')) {
            updates.push({ op: 'update', kind: 'note', id: n.id, fields: { group_id: op.id } });
          }
        }
      }
    }
    seen.add(key);
  }
  // Deleting notes before their group keeps the server's group-delete from touching them.
  deletes.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'note' ? -1 : 1));
  return [...createGroups, ...createNotes, ...updates, ...deletes];
}

/**
 * A remote change event as the ops that would make it (so an Organize this client asked for
 * can join its undo history like its own action). Same order rules as invertOps.
 * @param {(kind:string, id:string) => object|undefined} lookup row before the change
 * @param {object[]} changes [{kind, op: 'upsert'|'patch'|'delete', item}]
 */
export function changesToOps(lookup, changes) {
  const createGroups = [], createNotes = [], updates = [], deletes = [];
  for (const { kind, op, item } of changes) {
    const fields = kind === 'note' ? NOTE_FIELDS : GROUP_FIELDS;
    const before = lookup(kind, item.id);
    if (op === 'delete') {
      if (before) deletes.push({ op: 'delete', kind, id: item.id });
    } else if (!before) {
      if (op === 'patch') continue; // some columns of a row not held: nothing to undo to
      (kind === 'group' ? createGroups : createNotes)
        .push({ op: 'create', kind, id: item.id, fields: pick(item, fields) });
    } else {
      const changed = fields.filter((f) => item[f] !== undefined && item[f] !== before[f]);
      if (changed.length) updates.push({ op: 'update', kind, id: item.id, fields: pick(item, changed) });
    }
  }
  deletes.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'note' ? -1 : 1));
  return [...createGroups, ...createNotes, ...updates, ...deletes];
}

/**
 * Undo/redo stacks of user actions, each {ops, inverse}: one /ops batch and the batch that
 * takes it back.
 */
export function createHistory(limit = 200) {
  return { undo: [], redo: [], limit };
}

/** Record a new user action; a new action ends the redo branch. */
export function record(history, entry) {
  history.undo.push(entry);
  if (history.undo.length > history.limit) history.undo.shift();
  history.redo.length = 0;
}

/** Take the action to undo (moved onto the redo stack), or null. Send its `inverse`. */
export function takeUndo(history) {
  const e = history.undo.pop();
  if (e) history.redo.push(e);
  return e || null;
}

/** Take the action to redo (moved back onto the undo stack), or null. Send its `ops`. */
export function takeRedo(history) {
  const e = history.redo.pop();
  if (e) history.undo.push(e);
  return e || null;
}

/** Put back an undo that failed to reach the server. */
export function revertUndo(history) {
  const e = history.redo.pop();
  if (e) history.undo.push(e);
}

/** Put back a redo that failed to reach the server. */
export function revertRedo(history) {
  const e = history.undo.pop();
  if (e) history.redo.push(e);
}

/** Drop the most recent entry if it is `entry` (its batch was refused). */
export function forget(history, entry) {
  const i = history.undo.lastIndexOf(entry);
  if (i >= 0) history.undo.splice(i, 1);
}

/** A fresh id for an item this client creates (so its undo can re-create the same id). */
export function newId(prefix = 'n') {
  const rnd = (globalThis.crypto?.randomUUID?.() || String(Math.random()).slice(2) + Date.now())
    .replace(/-/g, '').slice(0, 16);
  return `${prefix}_${rnd}`;
}

/** Notes that belong to group `gid`, in the visible model. */
export function notesInGroup(model, gid) {
  const out = [];
  for (const n of model.notes.values()) if (n.group_id === gid) out.push(n);
  return out;
}
