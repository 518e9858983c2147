import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeAgo } from '../ui.js';

test('timeAgo reads like a person would say it', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  assert.equal(timeAgo('2026-11-23T11:59:50Z', now), 'just now');
  assert.equal(timeAgo('2026-11-23T11:55:00Z', now), '5 min ago');
  assert.equal(timeAgo('2026-11-23T09:00:00Z', now), '3 h ago');
  assert.equal(timeAgo('2026-11-22T10:00:00Z', now), 'yesterday');
  assert.match(timeAgo('2026-10-01T10:00:00Z', now), /2026/);
  assert.equal(timeAgo('not a date', now), '');
});
