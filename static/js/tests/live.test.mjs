import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, eventClock, eventsOf } from '../live.js';

test('eventClock: an answer is fresh until a live event comes in after its request', () => {
  const clock = eventClock();
  const first = clock.since();
  assert.equal(first(), true);
  clock.tick(); // a newer event arrived before the answer
  assert.equal(first(), false);
  const second = clock.since();
  assert.equal(second(), true);
});

// A stand-in for the browser's EventSource: the test hands it messages as the server sends them.
class FakeEventSource {
  static CLOSED = 2;
  static last = null;
  constructor(url) { this.url = url; this.readyState = 1; FakeEventSource.last = this; }
  close() { this.readyState = FakeEventSource.CLOSED; }
  send(data, lastEventId = '') { this.onmessage({ data: JSON.stringify(data), lastEventId }); }
}

function listen(after = 0) {
  globalThis.EventSource = FakeEventSource;
  const got = [];
  const live = connect('b1', { after, onEvent: (ev) => got.push(ev) });
  return { live, got, es: FakeEventSource.last };
}

test('eventsOf: a batch message is its events in order; anything else is one event', () => {
  const a = { type: 'changes', seq: 3 };
  const b = { type: 'presence', count: 2 };
  assert.deepEqual(eventsOf({ type: 'batch', events: [a, b] }), [a, b]);
  assert.deepEqual(eventsOf(a), [a]);
});

test('connect: a batch reaches onEvent one event at a time and moves the seq to its id', () => {
  const { live, got, es } = listen(4);
  assert.match(es.url, /after=4/);
  const events = [{ type: 'changes', seq: 5, changes: [] }, { type: 'presence', count: 3 },
    { type: 'changes', seq: 7, changes: [] }];
  es.send({ type: 'batch', events }, '8'); // the batch also covers seq 8, coalesced away
  assert.deepEqual(got, events);
  assert.equal(live.lastSeq(), 8);
  es.send({ type: 'changes', seq: 9, changes: [] }, '9');
  assert.equal(got.length, 4);
  assert.equal(live.lastSeq(), 9);
  live.close();
});

test('connect: an event that ends the stream inside a batch stops the rest of it', () => {
  const { live, got, es } = listen();
  es.send({ type: 'batch', events: [{ type: 'changes', seq: 1, changes: [] },
    { type: 'board_deleted' }, { type: 'changes', seq: 2, changes: [] }] }, '2');
  assert.deepEqual(got.map((e) => e.type), ['changes', 'board_deleted']);
  assert.equal(es.readyState, FakeEventSource.CLOSED);
  assert.equal(live.lastSeq(), 1);
});
