import test from 'node:test';
import assert from 'node:assert/strict';
import { containerOf, zOrder, settleOps, carried } from '../membership.js';

const frame = (id, x, y, w, h, created_at = '2026-01-01T00:00:00.000Z') => ({ id, x, y, w, h, created_at });
const noteAt = (cx, cy, w = 160, h = 120) => ({ x: cx - w / 2, y: cy - h / 2, w, h });
const rows = (list) => new Map(list.map((r) => [r.id, r]));

test('a note belongs to the frame holding its centre, border included', () => {
  const f = frame('f', 0, 0, 400, 300);
  assert.equal(containerOf(noteAt(200, 150), [f])?.id, 'f');
  assert.equal(containerOf(noteAt(390, 150, 300), [f])?.id, 'f');
  assert.equal(containerOf(noteAt(410, 150, 300), [f]), null);
  assert.equal(containerOf(noteAt(400, 300), [f])?.id, 'f');
  assert.equal(containerOf(noteAt(400.001, 150), [f]), null);
});

test('nested frames: the innermost wins; overlapping ones: the topmost', () => {
  const outer = frame('outer', 0, 0, 1000, 800), inner = frame('inner', 100, 100, 300, 200);
  for (const frames of [[outer, inner], [inner, outer]]) {
    assert.equal(containerOf(noteAt(200, 200), frames).id, 'inner');
    assert.equal(containerOf(noteAt(700, 600), frames).id, 'outer');
  }
  const a = frame('a', 0, 0, 400, 300, '2026-01-01T00:00:00.000Z');
  const b = frame('b', 200, 100, 400, 300, '2026-01-02T00:00:00.000Z');
  const unsaved = { id: 'new', x: 250, y: 150, w: 50, h: 1000 };
  assert.deepEqual(zOrder([unsaved, b, a]).map((f) => f.id), ['a', 'b', 'new']);
  assert.equal(containerOf(noteAt(300, 200), zOrder([b, a])).id, 'b');
});

test('settleOps: a note nudged out leaves, one dropped in joins, in the same op', () => {
  const notes = rows([{ id: 'a', x: 20, y: 20, w: 160, h: 120, group_id: 'g' },
    { id: 'c', x: 600, y: 20, w: 160, h: 120, group_id: null }]);
  const groups = rows([frame('g', 0, 0, 400, 300)]);
  const ops = [{ op: 'update', kind: 'note', id: 'a', fields: { x: 500 } },
    { op: 'update', kind: 'note', id: 'c', fields: { x: 100 } }];
  const out = settleOps(notes, groups, ops);
  assert.deepEqual(out.map((o) => o.fields), [{ x: 500, group_id: null }, { x: 100, group_id: 'g' }]);
  assert.deepEqual(ops[0].fields, { x: 500 }, 'the ops given are not changed');
  // A text edit asks nothing.
  assert.deepEqual(settleOps(notes, groups, [{ op: 'update', kind: 'note', id: 'a', fields: { text: 'x' } }])
    .map((o) => o.fields), [{ text: 'x' }]);
});

test('settleOps: a frame resized over notes takes them; a new frame takes exactly what it holds', () => {
  const notes = rows([{ id: 'in', x: 20, y: 20, w: 160, h: 120, group_id: 'g' },
    { id: 'far', x: 1000, y: 20, w: 160, h: 120, group_id: null }]);
  const groups = rows([frame('g', 0, 0, 400, 300)]);
  const grown = settleOps(notes, groups, [{ op: 'update', kind: 'group', id: 'g', fields: { w: 1300 } }]);
  assert.deepEqual(grown.slice(1), [{ op: 'update', kind: 'note', id: 'far', fields: { group_id: 'g' } }]);
  const moved = settleOps(notes, groups, [{ op: 'update', kind: 'group', id: 'g', fields: { x: 900 } }]);
  assert.deepEqual(moved.slice(1).map((o) => [o.id, o.fields.group_id]), [['in', null], ['far', 'g']]);
  const made = settleOps(notes, groups, [{ op: 'create', kind: 'group', id: 'h',
    fields: { x: 980, y: 0, w: 300, h: 200 } }]);
  assert.deepEqual(made.slice(1).map((o) => [o.id, o.fields.group_id]), [['far', 'h']]);
});

test('settleOps: deleting an inner frame hands its notes to the outer one', () => {
  const notes = rows([{ id: 'n', x: 150, y: 150, w: 160, h: 120, group_id: 'inner' }]);
  const groups = rows([frame('outer', 0, 0, 1000, 800), frame('inner', 100, 100, 400, 300)]);
  const out = settleOps(notes, groups, [{ op: 'delete', kind: 'group', id: 'inner' }]);
  assert.deepEqual(out[1], { op: 'update', kind: 'note', id: 'n', fields: { group_id: 'outer' } });
});

test('carried: a frame carries its members and frames inside it, not a note outside it', () => {
  const notes = rows([{ id: 'm', group_id: 'g' }, { id: 'deep', group_id: 'inner' },
    { id: 'loose', group_id: null }, { id: 'sel', group_id: null }]);
  const groups = rows([frame('g', 0, 0, 1000, 800), frame('inner', 100, 100, 200, 200),
    frame('other', 900, 700, 400, 400)]);
  const c = carried(notes, groups, ['sel'], ['g']);
  assert.deepEqual(c.groups.map((g) => g.id).sort(), ['g', 'inner']);
  assert.deepEqual(c.notes.map((n) => n.id).sort(), ['deep', 'm', 'sel']);
});

test('a frame swept over a locked note leaves its group alone; the note\'s own op still settles', () => {
  const a = frame('a', 0, 0, 1000, 800), b = frame('b', 2000, 0, 300, 300, '2026-01-02T00:00:00.000Z');
  const locked = { id: 'L', ...noteAt(150, 150), group_id: 'a' };
  const notes = rows([locked]), groups = rows([a, b]);
  const sweep = [{ op: 'update', kind: 'group', id: 'b', fields: { x: 0, y: 0 } }];
  assert.deepEqual(settleOps(notes, groups, sweep, (id) => id === 'L'), sweep);
  assert.equal(settleOps(notes, groups, sweep).at(-1).fields.group_id, 'b');
  const own = [{ op: 'update', kind: 'note', id: 'L', fields: { x: 2100, y: 100 } }];
  assert.equal(settleOps(notes, groups, own, () => true)[0].fields.group_id, 'b');
});

test('settleOps: a note leaving its group loses its doubt mark; one staying keeps it', () => {
  const notes = rows([{ id: 'a', x: 20, y: 20, w: 160, h: 120, group_id: 'g', runner_up: 'h' },
    { id: 'b', x: 200, y: 20, w: 160, h: 120, group_id: 'g', runner_up: 'h' }]);
  const groups = rows([frame('g', 0, 0, 400, 300), frame('h', 600, 0, 400, 300)]);
  const out = settleOps(notes, groups, [{ op: 'update', kind: 'note', id: 'a', fields: { x: 620 } },
    { op: 'update', kind: 'note', id: 'b', fields: { x: 210 } }]);
  assert.deepEqual(out.map((o) => o.fields), [{ x: 620, group_id: 'h', runner_up: null }, { x: 210 }]);
  // A batch that sets the mark itself (undo) keeps what it says.
  const undo = settleOps(notes, groups, [{ op: 'update', kind: 'note', id: 'a',
    fields: { x: 620, group_id: 'h', runner_up: 'g' } }]);
  assert.equal(undo[0].fields.runner_up, 'g');
});
