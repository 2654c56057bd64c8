import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { createLoggers } from '../src/logging.js';
import { PerTurnLines } from '../src/perTurnLines.js';
import { SERVER_PACKAGE, startServerProcess } from './support/serverProcess.js';

const run = promisify(execFile);

/** A real file behind pino's synchronous destination, with the writes that reach it counted. */
async function countedFile() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-lines-'));
  const file = path.join(dir, 'log');
  const destination = pino.destination({ dest: file, sync: true });
  const writes: string[] = [];
  const writer = {
    write(text: string) {
      writes.push(text);
      return destination.write(text);
    },
  };
  return {
    writer,
    writes,
    read: () => readFile(file, 'utf8'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The stream a pino logger writes to. */
const streamOf = (logger: object) => (logger as Record<symbol, unknown>)[pino.symbols.streamSym];

describe('log lines written once per turn of the event loop', () => {
  it('the lines of one turn reach the file together, in order, when the turn ends', async () => {
    const file = await countedFile();
    try {
      const lines = new PerTurnLines(file.writer);
      lines.write('one\n');
      lines.write('two\n');
      lines.write('three\n');
      assert.equal(file.writes.length, 0, 'nothing is written during the turn');
      await nextTurn();
      assert.deepEqual(file.writes, ['one\ntwo\nthree\n']);
      assert.equal(await file.read(), 'one\ntwo\nthree\n');
      lines.write('four\n');
      await nextTurn();
      assert.equal(file.writes.length, 2, 'the next turn is a write of its own');
      lines.end();
    } finally {
      await file.remove();
    }
  });

  it('a turn that writes a great deal does not hold it all: 64 KiB go out at once', async () => {
    const file = await countedFile();
    try {
      const lines = new PerTurnLines(file.writer);
      const line = `${'x'.repeat(1023)}\n`;
      for (let i = 0; i < 64; i++) lines.write(line);
      assert.equal(file.writes.length, 1, 'written before the turn ends');
      assert.equal(file.writes[0]?.length, 64 * 1024);
      lines.end();
    } finally {
      await file.remove();
    }
  });

  it('lines of the last turn are written when the process exits: process.exit() and an uncaught exception', async () => {
    // A real process that writes lines through the batch and ends within the same turn.
    const script = (ending: string) => `
      import { pino } from 'pino';
      import { PerTurnLines } from './src/perTurnLines.ts';
      const lines = new PerTurnLines(pino.destination({ dest: 1, sync: true }));
      lines.write('first\\n');
      lines.write('last\\n');
      ${ending}
    `;
    const node = (ending: string) =>
      run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(ending)], {
        cwd: SERVER_PACKAGE,
      }).then(
        ({ stdout }) => stdout,
        (error: { stdout: string }) => error.stdout,
      );
    assert.equal(await node('process.exit(0);'), 'first\nlast\n');
    assert.equal(await node("throw new Error('boom');"), 'first\nlast\n');
  });

  it('JSON lines to standard output go through the batch; a stream of the embedder is written directly', async () => {
    const batched = await createLoggers('info', 'json');
    assert.ok(streamOf(batched.app) instanceof PerTurnLines);
    batched.close();
    const own = { write: () => {} };
    const direct = await createLoggers('info', 'json', own);
    assert.equal(streamOf(direct.app), own);
  });

  it('a server answering requests in parallel writes every request line, the last ones at shutdown', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-lines-'));
    try {
      const server = await startServerProcess({ BATON_LOG_LEVEL: 'info', BATON_DATA_DIR: dataDir });
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => fetch(`${server.url}/healthz`).then((response) => response.status)),
      );
      assert.ok(answers.every((status) => status === 200));
      await server.stop();
      const requestLines = server
        .output()
        .split('\n')
        .filter((line) => line.includes('request completed'))
        .map((line) => JSON.parse(line) as { req: { url: string } });
      // The 50 above and the health checks the start-up made.
      assert.ok(requestLines.length >= 50, `${requestLines.length} request lines`);
      assert.ok(requestLines.every((line) => line.req.url === '/healthz'));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
