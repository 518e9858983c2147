import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, CLIENT_ID } from '../api.js';
import { boardSocket } from '../socket.js';

/** A WebSocket stand-in: records what was sent; the test opens, answers and closes it. */
function fakeSockets() {
  const made = [];
  class FakeWS {
    constructor(url) { this.url = url; this.sent = []; made.push(this); }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { this.onclose?.(); }
    answer(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  }
  return { FakeWS, made };
}

const where = { protocol: 'https:', host: 'herd.example:8443' };

test('opens the board socket with the tab id, wss under https', () => {
  const { FakeWS, made } = fakeSockets();
  const s = boardSocket('b/1', { WebSocketImpl: FakeWS, location: where, fallback: async () => null });
  assert.equal(made[0].url, `wss://herd.example:8443/api/boards/b%2F1/socket?client=${CLIENT_ID}`);
  s.close();
});

test('until it is open, batches go over HTTP; then on the socket, answered by id', async () => {
  const { FakeWS, made } = fakeSockets();
  const http = [];
  const s = boardSocket('b1', { WebSocketImpl: FakeWS, location: where,
    fallback: async (ops) => { http.push(ops); return { results: ['http'] }; } });
  assert.deepEqual(await s.ops([{ op: 'a' }]), { results: ['http'] });
  made[0].onopen();
  const first = s.ops([{ op: 'b' }]);
  const second = s.ops([{ op: 'c' }]);
  assert.deepEqual(made[0].sent.map((m) => m.ops[0].op), ['b', 'c']);
  const [m1, m2] = made[0].sent;
  made[0].answer({ id: m2.id, result: { results: ['two'] } });
  made[0].answer({ id: m1.id, result: { results: ['one'] } });
  assert.deepEqual(await first, { results: ['one'] });
  assert.deepEqual(await second, { results: ['two'] });
  assert.equal(http.length, 1);
  s.close();
});

test('an error answer rejects with the same ApiError as HTTP, and 401 tells the page', async () => {
  const { FakeWS, made } = fakeSockets();
  const told = [];
  globalThis.dispatchEvent = (ev) => told.push(ev);
  globalThis.CustomEvent ??= class { constructor(type, init) { this.type = type; this.detail = init?.detail; } };
  const s = boardSocket('b1', { WebSocketImpl: FakeWS, location: where, fallback: async () => null });
  made[0].onopen();
  const p = s.ops([{ op: 'x' }]);
  made[0].answer({ id: made[0].sent[0].id, error: { status: 409, code: 'conflict', message: 'Stale.', details: { current: { id: 'n' } } } });
  await assert.rejects(p, (e) => e instanceof ApiError && e.status === 409 && e.details.current.id === 'n');
  const q = s.ops([{ op: 'y' }]);
  made[0].answer({ id: made[0].sent[1].id, error: { status: 401, code: 'link_rotated', message: 'Replaced.' } });
  await assert.rejects(q, (e) => e.status === 401 && e.code === 'link_rotated');
  assert.equal(told.length, 1);
  assert.equal(told[0].type, 'herd:unauthenticated');
  s.close();
});

test('a dropped socket fails what it had in flight, falls back to HTTP and reconnects', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { FakeWS, made } = fakeSockets();
  const http = [];
  const s = boardSocket('b1', { WebSocketImpl: FakeWS, location: where,
    fallback: async (ops) => { http.push(ops); return { results: [] }; } });
  made[0].onopen();
  const inFlight = s.ops([{ op: 'x' }]);
  made[0].onclose();
  await assert.rejects(inFlight, (e) => e instanceof ApiError && e.status === 0 && e.code === 'network');
  assert.equal(s.isOpen(), false);
  await s.ops([{ op: 'y' }]);
  assert.equal(http.length, 1);
  t.mock.timers.tick(1000);
  assert.equal(made.length, 2, 'it tries again');
  made[1].onopen();
  assert.equal(s.isOpen(), true);
  s.close();
  t.mock.timers.tick(60000);
  assert.equal(made.length, 2, 'closed for good: no more attempts');
});
