import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as s from '../state.js';

const note = (id, extra = {}) => ({ id, board_id: 'b', text: id, x: 0, y: 0, w: 160, h: 120,
  color: 'yellow', group_id: null, version: 1, ...extra });
const group = (id, extra = {}) => ({ id, board_id: 'b', title: id, x: 0, y: 0, w: 400, h: 300, version: 1, ...extra });
const model = () => s.createModel({ board: { id: 'b', name: 'B' }, seq: 3,
  notes: [note('a'), note('b', { group_id: 'g' })], groups: [group('g')] });

test('remote rows older than the local version are dropped', () => {
  const m = model();
  s.applyRemote(m, [{ kind: 'note', op: 'upsert', item: note('a', { x: 50, version: 3 }) }]);
  assert.equal(m.notes.get('a').x, 50);
  const t = s.applyRemote(m, [{ kind: 'note', op: 'upsert', item: note('a', { x: 10, version: 2 }) }]);
  assert.equal(m.notes.get('a').x, 50);
  assert.equal(t.length, 0);
});

test('remote delete of a group ungroups its notes', () => {
  const m = model();
  s.applyRemote(m, [{ kind: 'group', op: 'delete', item: { id: 'g' } }]);
  assert.equal(m.groups.size, 0);
  assert.equal(m.notes.get('b').group_id, null);
});

test('local edits show at once, settle to the server row, or roll back on failure', () => {
  const m = model();
  const ops = [{ op: 'update', kind: 'note', id: 'a', fields: { x: 99 } }];
  s.applyLocal(m, ops, 1);
  assert.equal(m.notes.get('a').x, 99);
  // A remote row arriving meanwhile does not undo the pending edit on screen.
  s.applyRemote(m, [{ kind: 'note', op: 'upsert', item: note('a', { text: 'new', version: 2 }) }]);
  assert.equal(m.notes.get('a').x, 99);
  assert.equal(m.notes.get('a').text, 'new');
  s.settle(m, 1, ops, [note('a', { text: 'new', x: 99, version: 3 })]);
  assert.equal(m.pending.note.size, 0);
  assert.equal(m.notes.get('a').version, 3);

  const ops2 = [{ op: 'delete', kind: 'note', id: 'a' }, { op: 'create', kind: 'note', id: 'c', fields: { text: 'c', x: 1, y: 1 } }];
  s.applyLocal(m, ops2, 2);
  assert.ok(!m.notes.has('a'));
  assert.ok(m.notes.has('c'));
  s.fail(m, 2, { status: 400 });
  assert.ok(m.notes.has('a'));
  assert.ok(!m.notes.has('c'));
});

test('an earlier answer does not clear a later pending edit', () => {
  const m = model();
  const o1 = [{ op: 'update', kind: 'note', id: 'a', fields: { x: 10 } }];
  const o2 = [{ op: 'update', kind: 'note', id: 'a', fields: { x: 20 } }];
  s.applyLocal(m, o1, 1);
  s.applyLocal(m, o2, 2);
  s.settle(m, 1, o1, [note('a', { x: 10, version: 2 })]);
  assert.equal(m.notes.get('a').x, 20);
  s.settle(m, 2, o2, [note('a', { x: 20, version: 3 })]);
  assert.equal(m.notes.get('a').x, 20);
});

test('a 409 adopts details.current', () => {
  const m = model();
  const ops = [{ op: 'update', kind: 'note', id: 'a', fields: { text: 'mine' }, version: 1 }];
  s.applyLocal(m, ops, 1);
  s.fail(m, 1, { status: 409, details: { current: note('a', { text: 'theirs', version: 5 }) } });
  assert.equal(m.notes.get('a').text, 'theirs');
  assert.equal(m.notes.get('a').version, 5);
});

test('local group delete ungroups notes; settle keeps them ungrouped', () => {
  const m = model();
  const ops = [{ op: 'delete', kind: 'group', id: 'g' }];
  s.applyLocal(m, ops, 1);
  assert.equal(m.notes.get('b').group_id, null);
  s.settle(m, 1, ops, [{ id: 'g', deleted: true }]);
  assert.equal(m.notes.get('b').group_id, null);
  assert.equal(m.groups.size, 0);
});

test('invertOps undoes moves, creates and deletes, groups first', () => {
  const m = model();
  const lookup = (k, id) => s.visible(m, k).get(id);
  const ops = [
    { op: 'update', kind: 'note', id: 'a', fields: { x: 5, y: 6 } },
    { op: 'create', kind: 'note', id: 'z', fields: { text: 'z' } },
    { op: 'delete', kind: 'group', id: 'g' },
    { op: 'delete', kind: 'note', id: 'b' },
  ];
  const inv = s.invertOps(lookup, ops, m.notes.values());
  assert.deepEqual(inv[0], { op: 'create', kind: 'group', id: 'g', fields: { title: 'g', x: 0, y: 0, w: 400, h: 300 } });
  assert.equal(inv[1].op, 'create');
  assert.equal(inv[1].fields.group_id, 'g');
  assert.deepEqual(inv[2], { op: 'update', kind: 'note', id: 'a', fields: { x: 0, y: 0 } });
  assert.deepEqual(inv[3], { op: 'delete', kind: 'note', id: 'z' });
  assert.equal(inv.length, 4);
});

test('group delete alone is undone by re-creating it and regrouping its notes', () => {
  const m = model();
  const inv = s.invertOps((k, id) => s.visible(m, k).get(id), [{ op: 'delete', kind: 'group', id: 'g' }], m.notes.values());
  assert.deepEqual(inv.map((o) => o.op + o.kind), ['creategroup', 'updatenote']);
  assert.deepEqual(inv[1].fields, { group_id: 'g' });
});

test('history: undo, redo, and a new action clears redo', () => {
  const h = s.createHistory();
  s.record(h, { ops: [1], inverse: [-1] });
  s.record(h, { ops: [2], inverse: [-2] });
  assert.deepEqual(s.takeUndo(h).inverse, [-2]);
  assert.deepEqual(s.takeRedo(h).ops, [2]);
  assert.deepEqual(s.takeUndo(h).inverse, [-2]);
  s.record(h, { ops: [3], inverse: [-3] });
  assert.equal(s.takeRedo(h), null);
  s.takeUndo(h); s.revertUndo(h);
  assert.deepEqual(h.undo.map((e) => e.ops[0]), [1, 3]);
});

test('reset replaces server rows and keeps pending edits', () => {
  const m = model();
  s.applyLocal(m, [{ op: 'update', kind: 'note', id: 'a', fields: { x: 7 } }], 9);
  const t = s.reset(m, { board: { id: 'b', name: 'B2' }, seq: 10, notes: [note('a', { version: 4 })], groups: [] });
  assert.equal(m.board.name, 'B2');
  assert.equal(m.seq, 10);
  assert.equal(m.notes.get('a').x, 7);
  assert.ok(!m.notes.has('b'));
  assert.ok(!m.groups.has('g'));
  assert.ok(t.some((x) => x.id === 'b'));
});

test('newId makes distinct ids of the allowed alphabet', () => {
  const a = s.newId(), b = s.newId('g');
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9_-]{1,64}$/);
  assert.match(b, /^g_/);
});

test('changesToOps turns an Organize result into a batch whose inverse restores the board', () => {
  const m = model();
  const lookup = (kind, id) => s.visible(m, kind).get(id);
  const changes = [
    { kind: 'group', op: 'upsert', item: group('ai', { origin: 'organize', x: 500 }) },
    { kind: 'note', op: 'upsert', item: note('a', { x: 520, y: 60, group_id: 'ai', version: 2 }) },
    { kind: 'note', op: 'upsert', item: note('b', { version: 1, group_id: 'g' }) },  // unchanged
    { kind: 'group', op: 'delete', item: { id: 'g' } },
  ];
  const ops = s.changesToOps(lookup, changes);
  assert.deepEqual(ops.map((o) => [o.op, o.kind, o.id]),
    [['create', 'group', 'ai'], ['update', 'note', 'a'], ['delete', 'group', 'g']]);
  assert.equal(ops[0].fields.origin, 'organize');
  assert.deepEqual(ops[1].fields, { x: 520, y: 60, group_id: 'ai' });
  const inverse = s.invertOps(lookup, ops, [...m.notes.values()]);
  assert.deepEqual(inverse.map((o) => [o.op, o.kind, o.id]),
    [['create', 'group', 'g'], ['update', 'note', 'a'], ['update', 'note', 'b'],
      ['delete', 'group', 'ai']]);
  assert.deepEqual(inverse[1].fields, { x: 0, y: 0, group_id: null });
});

test('a remote patch lays its columns over the row held, by the version rule', () => {
  const m = model();
  const t = s.applyRemote(m, [{ kind: 'note', op: 'patch', item: { id: 'a', x: 70, y: 8, version: 2 } }]);
  assert.deepEqual(t, [{ kind: 'note', id: 'a' }]);
  assert.equal(t.missing, undefined);
  const a = m.notes.get('a');
  assert.deepEqual([a.x, a.y, a.text, a.color, a.version], [70, 8, 'a', 'yellow', 2]);
  s.applyRemote(m, [{ kind: 'note', op: 'patch', item: { id: 'a', x: 1, version: 1 } }]);
  assert.equal(m.notes.get('a').x, 70); // older than the row held: dropped
  const lost = s.applyRemote(m, [{ kind: 'note', op: 'patch', item: { id: 'zz', x: 1, version: 4 } }]);
  assert.equal(lost.missing, true); // a row this model never had: the page re-reads the board
  assert.equal(m.notes.has('zz'), false);
});

test('a patch of a note the lookup lacks is no op to undo', () => {
  const lookup = (kind, id) => (id === 'a' ? note('a') : null);
  const ops = s.changesToOps(lookup, [
    { kind: 'note', op: 'patch', item: { id: 'zz', x: 5, version: 2 } },
    { kind: 'note', op: 'patch', item: { id: 'a', group_id: 'g', version: 2 } }]);
  assert.deepEqual(ops, [{ op: 'update', kind: 'note', id: 'a', fields: { group_id: 'g' } }]);
});
