import type { FastifyPluginAsync } from 'fastify';
import { changePassword, login, register } from '../auth/accounts.js';
import { type AuthDeps, publicUser } from '../auth/context.js';
import {
  endAllSessions,
  endOtherSessions,
  endSession,
  logoutByRefreshToken,
  refreshSession,
} from '../auth/sessions.js';
import { ProblemError } from '../errors.js';
import { bearerToken, requestMeta, requireBearer } from '../http/bearer.js';
import {
  deviceTokenField,
  emailField,
  nameField,
  noContent,
  passwordField,
  problems,
  refreshTokenField,
} from '../http/schemas.js';

const tokenReply = { $ref: 'TokenResponse#' } as const;
const signInReply = { $ref: 'SignInResponse#' } as const;

/** Registration, login, refresh, logout, the current user and password change. */
export const authRoutes: FastifyPluginAsync<{ deps: AuthDeps }> = async (app, { deps }) => {
  const bearer = requireBearer(deps.authenticate);

  app.post<{ Body: { email: string; password: string; name?: string } }>(
    '/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and sign in',
        body: {
          type: 'object',
          properties: {
            email: emailField,
            password: passwordField,
            name: nameField,
          },
          required: ['email', 'password'],
          additionalProperties: false,
        },
        response: {
          201: signInReply,
          202: { $ref: 'PendingRegistration#' },
          ...problems(400, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const registered = await register(deps, request.body, requestMeta(request));
      // 202 with no tokens when sign-in needs a verified email (`requireVerifiedEmail`).
      return reply.code('accessToken' in registered ? 201 : 202).send(registered);
    },
  );

  app.post<{ Body: { email: string; password: string; deviceToken?: string } }>(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        body: {
          type: 'object',
          properties: { email: emailField, password: passwordField, deviceToken: deviceTokenField },
          required: ['email', 'password'],
          additionalProperties: false,
        },
        response: { 200: signInReply, ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => login(deps, request.body, requestMeta(request)),
  );

  app.post<{ Body: { refreshToken: string } }>(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair (rotation)',
        body: {
          type: 'object',
          properties: { refreshToken: refreshTokenField },
          required: ['refreshToken'],
          additionalProperties: false,
        },
        response: { 200: tokenReply, ...problems(400, 401, 429) },
      },
    },
    async (request) => refreshSession(deps, request.body.refreshToken, requestMeta(request)),
  );

  app.post<{ Body: { refreshToken?: string } | undefined }>(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the session of a refresh token (or of the bearer token). Idempotent.',
        body: {
          type: ['object', 'null'],
          properties: { refreshToken: refreshTokenField },
          additionalProperties: false,
        },
        response: { ...noContent, ...problems(400) },
      },
    },
    async (request, reply) => {
      const meta = requestMeta(request);
      const refreshToken = request.body?.refreshToken;
      if (refreshToken) {
        await logoutByRefreshToken(deps, refreshToken, meta);
      } else {
        const token = bearerToken(request);
        const claims = token && (await deps.accessTokens.verify(token).catch(() => undefined));
        if (claims) await endSession(deps, claims.sid, 'logout', meta, claims.sub);
      }
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/logout-all',
    {
      preHandler: bearer,
      schema: {
        tags: ['auth'],
        summary: 'End every session of the current user',
        security: [{ bearer: [] }],
        response: { ...noContent, ...problems(401) },
      },
    },
    async (request, reply) => {
      await endAllSessions(deps, request.auth.sub, requestMeta(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/logout-others',
    {
      preHandler: bearer,
      schema: {
        tags: ['auth'],
        summary: 'End every session of the current user except this one',
        security: [{ bearer: [] }],
        response: { ...noContent, ...problems(401) },
      },
    },
    async (request, reply) => {
      await endOtherSessions(deps, request.auth.sub, request.auth.sid, requestMeta(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/me',
    {
      preHandler: bearer,
      schema: {
        tags: ['auth'],
        summary: 'The current user',
        security: [{ bearer: [] }],
        response: { 200: { $ref: 'User#' }, ...problems(401) },
      },
    },
    async (request) => {
      const user = await deps.store.findUserById(request.auth.sub);
      if (!user || user.disabled) throw new ProblemError('invalid_token', 'the account no longer exists');
      return publicUser(user);
    },
  );

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/auth/password',
    {
      preHandler: bearer,
      schema: {
        tags: ['auth'],
        summary: 'Change the password; every other session is ended',
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          properties: { currentPassword: passwordField, newPassword: passwordField },
          required: ['currentPassword', 'newPassword'],
          additionalProperties: false,
        },
        response: { ...noContent, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const subject = { userId: request.auth.sub, sessionId: request.auth.sid };
      await changePassword(deps, subject, request.body, requestMeta(request));
      return reply.code(204).send();
    },
  );
};
