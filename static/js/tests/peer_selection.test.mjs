import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outlineOwners } from '../peer_selection.js';

test('each selected item gets one outline: the first person, by id, who selected it', () => {
  const owners = outlineOwners(new Map([
    ['tab-b', ['note:1', 'note:2']],
    ['tab-a', ['note:2', 'group:g']],
  ]));
  assert.deepEqual(Object.fromEntries(owners),
    { 'note:2': 'tab-a', 'group:g': 'tab-a', 'note:1': 'tab-b' });
  assert.equal(outlineOwners(new Map()).size, 0);
});
