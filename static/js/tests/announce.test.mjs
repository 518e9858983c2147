import test from 'node:test';
import assert from 'node:assert/strict';
import { countChanges, describe } from '../announce.js';

test('remote changes are announced as counts, not one by one', () => {
  const had = (kind, id) => id.startsWith('old');
  let c = countChanges({}, [{ kind: 'note', op: 'upsert', item: { id: 'new1' } },
    { kind: 'note', op: 'upsert', item: { id: 'new2' } }], had);
  for (let i = 0; i < 30; i += 1) c = countChanges(c, [{ kind: 'note', op: 'upsert', item: { id: 'old1' } }], had);
  c = countChanges(c, [{ kind: 'group', op: 'delete', item: { id: 'old-g' } }], had);
  assert.equal(describe(c), 'Others added 2 notes, changed 30 notes and removed 1 group.');
  assert.equal(describe(countChanges({}, [{ kind: 'group', op: 'upsert', item: { id: 'g' } }], had)),
    'Others added 1 group.');
  assert.equal(describe({}), '');
});
