/**
 * The promises Baton makes, each as a mutation that breaks it and the tests that must then fail.
 * `find` must occur in `file` (the script says so when a refactoring moved it); `cwd` is the
 * package whose tests run (default packages/server).
 */
export const MUTANTS = [
  {
    name: 'refresh tokens stored in clear',
    file: 'packages/server/src/tokens/refresh.ts',
    find: "return createHash('sha256').update(token).digest('base64url');",
    replace: 'return token;',
    tests: ['test/stored-secrets.test.ts'],
  },
  {
    name: 'SQLite commits without fsync',
    file: 'packages/server/src/store/sqlite/database.ts',
    find: "db.pragma('synchronous = FULL');",
    replace: "db.pragma('synchronous = OFF');",
    tests: ['test/stored-secrets.test.ts'],
  },
  {
    name: 'login limit per (client, account) raised from 10 to 1000',
    file: 'packages/server/src/limits.ts',
    find: 'loginAccountClient: { max: 10,',
    replace: 'loginAccountClient: { max: 1000,',
    tests: ['test/throttle.test.ts'],
  },
  {
    name: 'password change forgets no cached session',
    file: 'packages/server/src/auth/accounts.ts',
    find: "  const revoked = await deps.store.revokeUserSessions(user.id, 'password_change', now, subject.sessionId);\n  deps.sessions.forget();",
    replace:
      "  const revoked = await deps.store.revokeUserSessions(user.id, 'password_change', now, subject.sessionId);",
    tests: ['test/sessions.test.ts'],
  },
  {
    name: 'limits counted after the hash instead of reserved before it (burst)',
    file: 'packages/server/src/auth/rateLimiter.ts',
    find: '      const locked: string[] = [];\n',
    replace:
      '      await new Promise((resolve) => setTimeout(resolve, 50));\n      const locked: string[] = [];\n',
    tests: ['test/throttle-burst.test.ts'],
  },
  {
    name: 'grace replays allowed from any client',
    file: 'packages/server/src/auth/sessions.ts',
    find: "const sameClient = result.status === 'already_used' && result.token.consumedBy === client;",
    replace: "const sameClient = result.status === 'already_used';",
    tests: ['test/refresh.test.ts'],
  },
  {
    name: 'a grace replay does not re-check its session',
    file: 'packages/server/src/auth/sessions.ts',
    find: '      assertUsable(deps, current, now);\n',
    replace: '\n',
    tests: ['test/refresh.test.ts'],
  },
  {
    name: 'verified-token cache kept across a change of keys',
    file: 'packages/server/src/tokens/access.ts',
    find: '      this.#cache.clear();\n',
    replace: '\n',
    tests: ['test/access.test.ts'],
  },
  {
    name: 'a token may claim a longer life than the server issues',
    file: 'packages/server/src/tokens/access.ts',
    find: '(payload.iat as number) > this.options.ttl',
    replace: '(payload.iat as number) > this.options.ttl * 1000',
    tests: ['test/access.test.ts'],
  },
  {
    name: "a token's session need not be its subject's",
    file: 'packages/server/src/auth/sessionGate.ts',
    find: 'if (!session || session.userId !== userId ||',
    replace: 'if (!session ||',
    tests: ['test/access.test.ts'],
  },
  {
    name: 'every proxy hop trusted',
    file: 'packages/server/src/app.ts',
    find: "if (typeof trust === 'number') return (_address, hop) => hop < trust;",
    replace: "if (typeof trust === 'number') return () => true;",
    tests: ['test/trust-proxy.test.ts'],
  },
  {
    name: 'emails folded with NFC only (look-alikes make accounts)',
    file: 'packages/server/src/auth/emails.ts',
    find: "input.trim().normalize('NFKC')",
    replace: "input.trim().normalize('NFC')",
    tests: ['test/input-text.test.ts'],
  },
  {
    name: 'SQLite files created with the umask (0644)',
    file: 'packages/server/src/store/sqlite/database.ts',
    find: "    closeSync(openSync(filename, 'a', 0o600));\n    if ((statSync(filename).mode & 0o077) !== 0) chmodSync(filename, 0o600);\n",
    replace: "    closeSync(openSync(filename, 'a'));\n",
    tests: ['test/durability.test.ts'],
  },
  {
    name: 'query strings written to the log',
    file: 'packages/server/src/app.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text to find, not a template
    find: 'url: query === -1 ? request.url : `${request.url.slice(0, query)}?[redacted]`,',
    replace: 'url: request.url,',
    tests: ['test/logging.test.ts'],
  },
  {
    name: 'access tokens for another audience accepted',
    file: 'packages/server/src/tokens/access.ts',
    find: '          audience,\n',
    replace: '\n',
    tests: ['test/fuzz.test.ts'],
  },
  {
    name: 'access tokens from another issuer accepted',
    file: 'packages/server/src/tokens/access.ts',
    find: '          issuer,\n',
    replace: '\n',
    tests: ['test/fuzz.test.ts'],
  },
  {
    name: 'any JWT typ accepted as an access token',
    file: 'packages/server/src/tokens/access.ts',
    find: '          typ: ACCESS_TOKEN_TYPE,\n',
    replace: '\n',
    tests: ['test/fuzz.test.ts'],
  },
  {
    name: 'client: the bearer goes to any origin on the Request-object path',
    file: 'packages/client/src/authorizedFetch.ts',
    find: "if (request.headers.has('authorization') || !deps.isAllowedUrl(request.url)) return deps.fetch(request);",
    replace: "if (request.headers.has('authorization')) return deps.fetch(request);",
    tests: ['test/baton.test.ts'],
    cwd: 'packages/client',
  },
  {
    name: 'client: no cross-tab lock around a refresh',
    file: 'packages/client/src/tabLock.ts',
    find: '  if (locks === undefined) return (task) => task();',
    replace: '  return (task) => task();',
    tests: ['test/browser.test.ts'],
    cwd: 'packages/client',
  },
  {
    name: 'client: every caller starts its own refresh (no single flight)',
    file: 'packages/client/src/refresh.ts',
    find: '    running ??= Promise.resolve()',
    replace: '    running = Promise.resolve()',
    tests: ['test/interceptor-real.test.ts'],
    cwd: 'packages/angular',
  },
];
