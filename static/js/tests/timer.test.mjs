import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clock } from '../timer.js';

test('clock shows minutes and seconds, hours when there are any, never below zero', () => {
  assert.equal(clock(300), '5:00');
  assert.equal(clock(59.2), '1:00'); // counts down to the next whole second shown
  assert.equal(clock(65), '1:05');
  assert.equal(clock(3723), '1:02:03');
  assert.equal(clock(-4), '0:00');
});
