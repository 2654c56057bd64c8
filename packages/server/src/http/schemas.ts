import { PASSWORD_MAX_LENGTH } from '../auth/passwords.js';
import { problemSchema } from '../errors.js';

/**
 * JSON schemas shared by the routes: they validate input before a handler runs, serialise output
 * (so no stray field ever leaks), and feed the OpenAPI document at /docs.
 */
export const userSchema = {
  $id: 'User',
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    name: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'email', 'name', 'createdAt'],
} as const;

export const tokenResponseSchema = {
  $id: 'TokenResponse',
  type: 'object',
  properties: {
    accessToken: { type: 'string' },
    refreshToken: { type: 'string' },
    tokenType: { type: 'string', enum: ['Bearer'] },
    expiresIn: { type: 'integer', description: 'seconds until the access token expires' },
    refreshExpiresIn: { type: 'integer', description: 'seconds until the refresh token expires if unused' },
    user: { $ref: 'User#' },
  },
  required: ['accessToken', 'refreshToken', 'tokenType', 'expiresIn', 'refreshExpiresIn', 'user'],
} as const;

export const todoSchema = {
  $id: 'Todo',
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    done: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'title', 'done', 'createdAt', 'updatedAt'],
} as const;

export const sharedSchemas = [problemSchema, userSchema, tokenResponseSchema, todoSchema];

/** An email field: generous length bound only; the address itself is checked by normaliseEmail. */
export const emailField = { type: 'string', minLength: 3, maxLength: 254 } as const;
/** A password field: the schema caps size early (4 bytes per character); policy is checked later. */
export const passwordField = { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 } as const;
export const refreshTokenField = { type: 'string', minLength: 1, maxLength: 512 } as const;

/** Responses every route may give. */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, { $ref: 'Problem#' }]));

/** A 204 with no body. */
export const noContent = { 204: { type: 'null', description: 'No content' } } as const;
