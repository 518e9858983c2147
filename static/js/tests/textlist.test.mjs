import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseList, isList, stripMarker } from '../textlist.js';

test('one note per line, markers stripped, blanks skipped', () => {
  const text = '- apples\n* pears\n\n1. plums\n2) figs\n• kiwis\n  +  dates  \n\r\nplain line\n';
  assert.deepEqual(parseList(text), ['apples', 'pears', 'plums', 'figs', 'kiwis', 'dates', 'plain line']);
});

test('numbers that are content are kept', () => {
  assert.deepEqual(parseList('1.5 hours is too long\n2024 plans\n-5 degrees'), ['1.5 hours is too long', '2024 plans', '-5 degrees']);
});

test('bare markers and whitespace are not notes', () => {
  assert.deepEqual(parseList('-\n*\n1.\n   \n'), []);
  assert.equal(stripMarker('- [ ] task'), 'task');
});

test('isList', () => {
  assert.equal(isList('one'), false);
  assert.equal(isList('one\ntwo'), true);
  assert.equal(isList('one\n\n'), false);
});

test('html stays text', () => {
  assert.deepEqual(parseList('- <img src=x onerror=alert(1)>'), ['<img src=x onerror=alert(1)>']);
});
