import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, ApiError, CLIENT_ID, api } from '../api.js';

function fakeFetch(impl) {
  const calls = [];
  globalThis.fetch = async (url, init) => { calls.push({ url, init }); return impl(url, init); };
  return calls;
}

const json = (status, body) => ({ ok: status < 400, status, statusText: 'X', json: async () => body });

test('sends JSON and the client id, returns the parsed body', async () => {
  const calls = fakeFetch(() => json(201, { id: 'b1' }));
  const out = await request('POST', '/api/boards', { name: 'x' });
  assert.deepEqual(out, { id: 'b1' });
  assert.equal(calls[0].init.headers['X-Herd-Client'], CLIENT_ID);
  assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
  assert.equal(calls[0].init.body, '{"name":"x"}');
});

test('204 is null', async () => {
  fakeFetch(() => ({ ok: true, status: 204 }));
  assert.equal(await request('DELETE', '/api/boards/b'), null);
});

test('an API error keeps status, code, message and details', async () => {
  fakeFetch(() => json(409, { error: { status: 409, code: 'conflict', message: 'Stale.', details: { current: { id: 'n' } } } }));
  await assert.rejects(request('PATCH', '/x', {}), (e) => e instanceof ApiError && e.status === 409 &&
    e.code === 'conflict' && e.message === 'Stale.' && e.details.current.id === 'n');
});

test('a non-JSON error and a network failure get the same shape', async () => {
  fakeFetch(() => ({ ok: false, status: 502, statusText: 'Bad Gateway', json: async () => { throw new Error('html'); } }));
  await assert.rejects(request('GET', '/x'), (e) => e instanceof ApiError && e.status === 502 && /502/.test(e.message));
  fakeFetch(() => { throw new TypeError('Failed to fetch'); });
  await assert.rejects(request('GET', '/x'), (e) => e instanceof ApiError && e.status === 0 && e.code === 'network');
});

test('routes escape ids and build export URLs', () => {
  assert.equal(api.exportUrl('a/b', 'png', { x: 1.4, y: 2, w: 3, h: 4.6 }),
    '/api/boards/a%2Fb/export?format=png&view=1,2,3,5');
  assert.equal(api.exportUrl('b', 'md'), '/api/boards/b/export?format=md');
});
