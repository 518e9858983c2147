import test from 'node:test';
import assert from 'node:assert/strict';
import { countText, findMatches, fold } from '../search.js';

const notes = [
  { id: 'b', text: 'Café on Friday', x: 400, y: 0 },
  { id: 'a', text: 'more coffee', x: 0, y: 10 },
  { id: 'c', text: 'tea', x: 0, y: 300 },
  { id: 'hidden', text: '', x: 0, y: 500 }, // private mode: the browser never got its text
];
const groups = [{ id: 'g', title: 'Coffee corner', x: 0, y: 200 }];

test('notes and frame titles match every word, accents and case aside, in reading order', () => {
  assert.deepEqual(findMatches(notes, groups, 'coffee'), ['note:a', 'group:g']);
  assert.deepEqual(findMatches(notes, groups, 'CAFE'), ['note:b']);
  assert.deepEqual(findMatches(notes, groups, 'e'), ['note:a', 'note:b', 'group:g', 'note:c']);
  assert.deepEqual(findMatches(notes, groups, 'coffee corner'), ['group:g']);
  assert.deepEqual(findMatches(notes, groups, '   '), []);
  assert.deepEqual(findMatches(notes, groups, 'nothing'), []);
  assert.equal(fold('Ünïcödé'), 'unicode');
});

test('the count says where you are', () => {
  assert.equal(countText(1, 5, 'x'), '2 of 5');
  assert.equal(countText(-1, 0, 'x'), 'No matches');
  assert.equal(countText(-1, 0, ' '), '');
});
