import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './http.js';
import type { RunningServer } from './processes.js';
import { type Account, accountFor, BENCH_WORK, type Stack, type TokenPair } from './stacks.js';
import { signatureSpellings, writeTokens } from './tokens.js';

/** A server under test, started, with its users registered and the token files wrk will send. */
export interface PreparedStack {
  readonly stack: Stack;
  readonly server: RunningServer;
  readonly baseUrl: string;
  /** Accounts that log in during the login scenarios (the first `chainAccounts` users). */
  readonly accounts: readonly Account[];
  /** One refresh chain per session; rotated in place. */
  readonly sessions: TokenPair[];
  readonly getCases: readonly { readonly label: string; readonly tokensFile?: string }[];
  /** Measure GETs with many distinct tokens and the login storm too (for Baton). */
  readonly deep: boolean;
}

export interface PrepareOptions {
  /** A token for stacks without an auth API (the bare Ed25519 reference). */
  readonly staticToken?: string;
  readonly deep?: boolean;
  /** Accounts registered on every auth stack (one sequential chain plus the concurrent ones). */
  readonly chainAccounts: number;
  /** Users registered on a deep stack, for the many-tokens GETs and the refresh sessions. */
  readonly distinctUsers: number;
  /** Users registered on a get-only stack (16 token strings each, more than the token cache holds). */
  readonly bypassUsers: number;
  readonly log: (line: string) => void;
}

/** Starts `stack` on a free port and registers what its scenarios need. */
export async function prepareStack(stack: Stack, options: PrepareOptions): Promise<PreparedStack> {
  const workDir = mkdtempSync(join(BENCH_WORK, 'run-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = await stack.launch(port, workDir);
  options.log(`${stack.name}: up in ${server.startupMs.toFixed(0)} ms`);
  try {
    const tokensFile = (name: string, tokens: readonly string[]) => writeTokens(join(workDir, name), tokens);
    if (!stack.auth) {
      const getCases = options.staticToken
        ? [{ label: '1 token', tokensFile: tokensFile('one.tokens', [options.staticToken]) }]
        : [{ label: 'no auth' }];
      return { stack, server, baseUrl, accounts: [], sessions: [], getCases, deep: false };
    }
    if (stack.getOnly) {
      // Only the GET with the token cache off (the stack turns it off): many users' tokens, each in
      // its 16 spellings, as before the cache could be turned off.
      const users = Array.from({ length: options.bypassUsers }, (_, i) => accountFor(i));
      const tokens = (await registerAll(baseUrl, stack, users)).map((pair) => pair.accessToken);
      const strings = tokens.flatMap(signatureSpellings);
      const getCases = [
        {
          label: `${strings.length} distinct token strings (token cache off)`,
          tokensFile: tokensFile('spellings.tokens', strings),
        },
      ];
      return { stack, server, baseUrl, accounts: [], sessions: [], getCases, deep: false };
    }
    const accounts = Array.from({ length: options.chainAccounts }, (_, i) => accountFor(i));
    const sessions = await registerAll(baseUrl, stack, accounts);
    const getCases = [{ label: '1 token', tokensFile: tokensFile('one.tokens', [sessions[0]!.accessToken]) }];
    if (options.deep) {
      const started = performance.now();
      const more = Array.from({ length: options.distinctUsers - accounts.length }, (_, i) =>
        accountFor(accounts.length + i),
      );
      sessions.push(...(await registerAll(baseUrl, stack, more)));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      options.log(`${stack.name}: registered ${sessions.length} users in ${seconds} s`);
      const tokens = sessions.map((pair) => pair.accessToken);
      getCases.push({
        label: `${tokens.length} users' tokens`,
        tokensFile: tokensFile('users.tokens', tokens),
      });
      getCases.push({
        label: `${tokens.length * 16} distinct token strings (more than the token cache holds)`,
        tokensFile: tokensFile('spellings.tokens', tokens.flatMap(signatureSpellings)),
      });
    }
    return { stack, server, baseUrl, accounts, sessions, getCases, deep: options.deep ?? false };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Registers `accounts` with 4 clients at a time (password hashing bounds this, not HTTP). */
export async function registerAll(
  baseUrl: string,
  stack: Stack,
  accounts: readonly Account[],
): Promise<TokenPair[]> {
  const pairs: TokenPair[] = new Array(accounts.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < accounts.length) {
        const index = next++;
        pairs[index] = await stack.auth!.register(baseUrl, accounts[index]!);
      }
    }),
  );
  return pairs;
}
