// Pure membership: a note belongs to the frame that holds its centre. The same rule as the
// server's (server/store/membership.py), applied here to every batch before it is sent so the
// board shows the result at once and undo takes back membership with the geometry:
// - a frame holds a point inside it or on its border;
// - of the frames holding a note's centre, one holding another of them whole loses to that
//   inner one (innermost wins); of the rest, the topmost (created last, drawn last) wins.

const GEOMETRY = ['x', 'y', 'w', 'h'];

/** True when point p lies inside frame f or on its border. */
export function holdsPoint(f, p) {
  return p.x >= f.x && p.x <= f.x + f.w && p.y >= f.y && p.y <= f.y + f.h;
}

/** True when rectangle `inner` lies entirely inside `outer` (borders may touch). */
export function holdsRect(outer, inner) {
  return inner.x >= outer.x && inner.y >= outer.y &&
    inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;
}

function sameRect(a, b) {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

/**
 * Frames bottom to top, as drawn: by created_at then id; frames not yet saved (no created_at)
 * are the newest, on top, in the order given.
 */
export function zOrder(frames) {
  return [...frames].map((f, i) => ({ f, i })).sort((a, b) => {
    const ca = a.f.created_at, cb = b.f.created_at;
    if (!ca || !cb) return (!ca) - (!cb) || a.i - b.i;
    return ca < cb ? -1 : ca > cb ? 1 : a.f.id < b.f.id ? -1 : a.f.id > b.f.id ? 1 : 0;
  }).map((x) => x.f);
}

/**
 * The frame a note (any {x,y,w,h}) belongs to, or null. `frames` in zOrder (bottom first).
 */
export function containerOf(note, frames) {
  const c = { x: note.x + note.w / 2, y: note.y + note.h / 2 };
  const holding = frames.filter((f) => holdsPoint(f, c));
  const inner = holding.filter((f) => !holding.some((g) => g !== f && holdsRect(f, g) && !sameRect(f, g)));
  return inner.length ? inner[inner.length - 1] : null;
}

/**
 * The ops with membership settled: every note the batch may affect gets the group_id its
 * final position gives (set on its own op, or a new update op after the others).
 * @param {Map<string,object>} notes visible notes before the batch
 * @param {Map<string,object>} groups visible groups before the batch
 * @param {object[]} ops
 * @param {(id: string) => boolean} [frozen] locked notes: a frame sweeping over them leaves
 *   their group as it is (the server's rule); only an op on the note itself changes it
 */
export function settleOps(notes, groups, ops, frozen = () => false) {
  const n = new Map(notes), g = new Map(groups);
  let framesChanged = false;
  const touched = new Set();
  for (const op of ops) {
    const map = op.kind === 'note' ? n : g;
    if (op.op === 'delete') {
      map.delete(op.id);
      if (op.kind === 'group') framesChanged = true;
      continue;
    }
    const prev = op.op === 'create' ? {} : map.get(op.id);
    if (!prev) continue;
    map.set(op.id, { ...prev, ...op.fields, id: op.id });
    const moved = op.op === 'create' || GEOMETRY.some((k) => k in (op.fields || {}));
    if (op.kind === 'group') framesChanged ||= moved;
    else if (moved || 'group_id' in (op.fields || {})) touched.add(op.id);
  }
  const frames = zOrder(g.values());
  const out = ops.map((o) => (o.fields ? { ...o, fields: { ...o.fields } } : { ...o }));
  const last = new Map();
  out.forEach((o, i) => { if (o.kind === 'note' && o.op !== 'delete') last.set(o.id, i); });
  for (const id of framesChanged ? n.keys() : touched) {
    const row = n.get(id);
    if (!touched.has(id) && frozen(id)) continue;
    const gid = containerOf(row, frames)?.id ?? null;
    if (gid === (row.group_id ?? null)) continue;
    if (last.has(id)) out[last.get(id)].fields.group_id = gid;
    else out.push({ op: 'update', kind: 'note', id, fields: { group_id: gid } });
  }
  return dropDoubts(notes, out);
}

/**
 * A note's doubt mark (runner_up) lasts while it stays in the group Organize put it in: a
 * batch that changes its group without setting runner_up itself clears it, as the server does
 * (server/store/ops.py), so the mark goes at once and undo brings it back with the place.
 */
function dropDoubts(notes, ops) {
  const last = new Map();
  ops.forEach((o) => { if (o.kind === 'note' && o.op === 'update') last.set(o.id, o); });
  for (const [id, op] of last) {
    const before = notes.get(id);
    if (!before?.runner_up || !('group_id' in op.fields) || 'runner_up' in op.fields) continue;
    if ((op.fields.group_id ?? null) !== (before.group_id ?? null)) op.fields.runner_up = null;
  }
  return ops;
}

/**
 * What moves when these notes and frames are dragged: each frame carries its notes and the
 * frames drawn wholly inside it (with their notes); a note outside its frame is not carried.
 * @returns {{notes: object[], groups: object[]}}
 */
export function carried(notes, groups, noteIds, groupIds) {
  const gs = new Map();
  for (const id of groupIds) if (groups.has(id)) gs.set(id, groups.get(id));
  for (const outer of [...gs.values()]) {
    for (const f of groups.values()) if (!gs.has(f.id) && holdsRect(outer, f)) gs.set(f.id, f);
  }
  const ns = new Map();
  for (const id of noteIds) if (notes.has(id)) ns.set(id, notes.get(id));
  for (const note of notes.values()) if (note.group_id && gs.has(note.group_id)) ns.set(note.id, note);
  return { notes: [...ns.values()], groups: [...gs.values()] };
}
