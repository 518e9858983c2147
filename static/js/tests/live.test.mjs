import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventClock } from '../live.js';

test('eventClock: an answer is fresh until a live event comes in after its request', () => {
  const clock = eventClock();
  const first = clock.since();
  assert.equal(first(), true);
  clock.tick(); // a newer event arrived before the answer
  assert.equal(first(), false);
  const second = clock.since();
  assert.equal(second(), true);
});
