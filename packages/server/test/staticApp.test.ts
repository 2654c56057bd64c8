import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from './support/server.js';

describe('serving the app on the API origin', () => {
  let appDir: string;
  let server: TestServer;
  before(async () => {
    appDir = await mkdtemp(path.join(os.tmpdir(), 'baton-app-'));
    await writeFile(path.join(appDir, 'index.html'), '<!doctype html><title>Baton app</title>');
    await writeFile(path.join(appDir, 'main.js'), 'console.log("app")');
    server = await startServer({ appDir });
  });
  after(async () => {
    await server.close();
    await rm(appDir, { recursive: true, force: true });
  });

  it('serves the index at / and the assets by name', async () => {
    const index = await fetch(new URL('/', server.url));
    assert.equal(index.status, 200);
    assert.match(await index.text(), /Baton app/);
    const asset = await fetch(new URL('/main.js', server.url));
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  });

  it('revalidates the index, and a 304 carries no policy that could replace the page’s', async () => {
    const first = await fetch(new URL('/', server.url));
    assert.equal(first.headers.get('cache-control'), 'no-cache');
    assert.match(first.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    // node:http, because fetch marks conditional requests `no-cache`, which forbids a 304.
    const again = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(new URL('/', server.url), { headers: { 'if-none-match': etag } }, resolve).on('error', reject),
    );
    again.resume();
    assert.equal(again.statusCode, 304);
    assert.equal(again.headers['content-security-policy'], undefined);
  });

  it('answers client-side routes with the index, so a reload of /todos works', async () => {
    const deep = await fetch(new URL('/todos/../sessions?x=1', server.url));
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /Baton app/);
    const login = await fetch(new URL('/login', server.url), { headers: { accept: 'text/html' } });
    assert.match(await login.text(), /Baton app/);
    const navigation = await fetch(new URL('/todos', server.url), {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    assert.equal(navigation.status, 200, 'a browser reloading the app at /todos gets the app');
    assert.match(await navigation.text(), /Baton app/);
  });

  it('the pages that mail links open send no Referer, so the token in their URL leaks to no other site', async () => {
    for (const page of [
      `/reset-password?token=brp_${'A'.repeat(43)}`,
      `/verify-email?token=bev_${'A'.repeat(43)}`,
    ]) {
      const response = await fetch(new URL(page, server.url), { headers: { accept: 'text/html' } });
      assert.equal(response.status, 200);
      assert.match(await response.text(), /Baton app/);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', page);
    }
  });

  it('keeps problem+json 404s for API paths and non-GET requests', async () => {
    const api = await server.request('GET', '/auth/nope');
    assert.equal(api.status, 404);
    assert.equal(api.body.code, 'not_found');
    const post = await server.request('POST', '/somewhere', { body: {} });
    assert.equal(post.status, 404);
    assert.equal(post.body.code, 'not_found');
    const todos = await server.request('GET', '/todos', { headers: { accept: 'application/json' } });
    assert.equal(todos.status, 401, 'for an API client, /todos is the API');
  });
});

describe('the served app calling an API of its own', () => {
  it("lets the page connect to BATON_APP_CONNECT_ORIGINS and to nothing else, and keeps the API's answers closed", async () => {
    const appDir = await mkdtemp(path.join(os.tmpdir(), 'baton-app-'));
    await writeFile(path.join(appDir, 'index.html'), '<!doctype html><title>Baton app</title>');
    const server = await startServer({ appDir, appConnectOrigins: ['https://api.example.com'] });
    try {
      const page = await fetch(new URL('/', server.url));
      const policy = page.headers.get('content-security-policy') ?? '';
      assert.match(policy, /connect-src 'self' https:\/\/api\.example\.com;/);
      assert.match(policy, /script-src 'self';/, 'scripts still only from our origin');
      const json = await server.request('GET', '/healthz');
      assert.match(json.headers.get('content-security-policy') ?? '', /^default-src 'none'/);
    } finally {
      await server.close();
      await rm(appDir, { recursive: true, force: true });
    }
  });
});
