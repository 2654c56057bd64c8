import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../auth/context.js';
import { requestEmailChange } from '../auth/emailChange.js';
import { confirmEmailLink, resendVerification, resendVerificationTo } from '../auth/emailVerification.js';
import { requestPasswordReset, resetPassword } from '../auth/passwordReset.js';
import { deleteOwnAccount, updateProfile } from '../auth/profile.js';
import { ProblemError } from '../errors.js';
import { requestMeta, requireBearer } from '../http/bearer.js';
import {
  emailField,
  nameField,
  noContent,
  oneTimeTokenField,
  passwordField,
  problems,
} from '../http/schemas.js';

const accepted = { 202: { $ref: 'Accepted#' } } as const;
const ACCEPTED_MAIL = {
  message: 'If an account uses this address, a link is on its way to it. Check the inbox.',
};

/**
 * Accounts people can recover: password reset, email verification and change, profile, deletion.
 * Routes that take an address answer the same for known and unknown ones.
 */
export const accountRoutes: FastifyPluginAsync<{ deps: AuthDeps }> = async (app, { deps }) => {
  const bearer = requireBearer(deps.authenticate);
  /** The bearer check as a promise, for a route where a bearer token is optional. */
  const signedIn = (request: FastifyRequest, reply: FastifyReply) =>
    new Promise<void>((resolve, reject) =>
      bearer(request, reply, (error) => (error ? reject(error) : resolve())),
    );

  app.post<{ Body: { email: string } }>(
    '/auth/password/forgot',
    {
      schema: {
        tags: ['account'],
        summary: 'Mail a password reset link (the same answer whether or not the address has an account)',
        body: {
          type: 'object',
          properties: { email: emailField },
          required: ['email'],
          additionalProperties: false,
        },
        response: { ...accepted, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(deps, request.body.email, requestMeta(request));
      return reply.code(202).send(ACCEPTED_MAIL);
    },
  );

  app.post<{ Body: { token: string; newPassword: string } }>(
    '/auth/password/reset',
    {
      schema: {
        tags: ['account'],
        summary: 'Set a new password with the token of a reset link; every session ends',
        body: {
          type: 'object',
          properties: { token: oneTimeTokenField, newPassword: passwordField },
          required: ['token', 'newPassword'],
          additionalProperties: false,
        },
        response: { ...noContent, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      await resetPassword(deps, request.body, requestMeta(request));
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { token: string } }>(
    '/auth/email/verify',
    {
      schema: {
        tags: ['account'],
        summary: 'Follow an email link: verify the address, or confirm a change of address',
        body: {
          type: 'object',
          properties: { token: oneTimeTokenField },
          required: ['token'],
          additionalProperties: false,
        },
        response: { ...noContent, ...problems(400, 409, 429) },
      },
    },
    async (request, reply) => {
      await confirmEmailLink(deps, request.body.token, requestMeta(request));
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { email?: string } | undefined }>(
    '/auth/email/resend',
    {
      schema: {
        tags: ['account'],
        summary:
          'Mail a new verification link: to the signed-in user (bearer), or to {email} for an account that cannot sign in before verifying',
        security: [{ bearer: [] }, {}],
        body: {
          type: ['object', 'null'],
          properties: { email: emailField },
          additionalProperties: false,
        },
        response: { ...accepted, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const email = request.body?.email;
      // Any Authorization header means "signed in": a bad one is a 401, never a silent fallback.
      if (request.headers.authorization !== undefined) {
        await signedIn(request, reply);
        await resendVerification(deps, request.auth.sub);
      } else if (email !== undefined) {
        await resendVerificationTo(deps, email, requestMeta(request));
      } else {
        throw new ProblemError('invalid_request', 'Sign in, or send the {email} of the account to verify.');
      }
      return reply.code(202).send(ACCEPTED_MAIL);
    },
  );

  app.post<{ Body: { newEmail: string; password: string } }>(
    '/auth/email/change',
    {
      preHandler: bearer,
      schema: {
        tags: ['account'],
        summary: 'Move the account to a new address, once a link mailed to it is followed',
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          properties: { newEmail: emailField, password: passwordField },
          required: ['newEmail', 'password'],
          additionalProperties: false,
        },
        response: { ...accepted, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      await requestEmailChange(deps, request.auth.sub, request.body, requestMeta(request));
      return reply
        .code(202)
        .send({ message: 'Check the inbox of the new address: it holds the link that confirms it.' });
    },
  );

  app.patch<{ Body: { name: string | null } }>(
    '/auth/me',
    {
      preHandler: bearer,
      schema: {
        tags: ['account'],
        summary: "Change the current user's profile (display name; null removes it)",
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          properties: { name: { ...nameField, type: ['string', 'null'] } },
          required: ['name'],
          additionalProperties: false,
        },
        response: { 200: { $ref: 'User#' }, ...problems(400, 401) },
      },
    },
    async (request) => updateProfile(deps, request.auth.sub, request.body, requestMeta(request)),
  );

  app.delete<{ Body: { password: string } }>(
    '/auth/me',
    {
      preHandler: bearer,
      schema: {
        tags: ['account'],
        summary: 'Delete the account and everything of it (sessions, tokens, todos, mail)',
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          properties: { password: passwordField },
          required: ['password'],
          additionalProperties: false,
        },
        response: { ...noContent, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      await deleteOwnAccount(deps, request.auth.sub, request.body, requestMeta(request));
      return reply.code(204).send();
    },
  );
};
