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
    emailVerified: {
      type: 'boolean',
      description: 'the owner confirmed the address from a link mailed to it',
    },
    createdAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'email', 'name', 'emailVerified', 'createdAt'],
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

/** A sign-in (login, registration): the tokens and the device token the client keeps for next time. */
export const signInResponseSchema = {
  $id: 'SignInResponse',
  type: 'object',
  properties: {
    ...tokenResponseSchema.properties,
    deviceToken: {
      type: 'string',
      description:
        'keep it (beside, not inside, the session) and send it with the next login to this account',
    },
  },
  required: [...tokenResponseSchema.required, 'deviceToken'],
} as const;

/** A registration that must verify its email before it can sign in (`requireVerifiedEmail`). */
export const pendingRegistrationSchema = {
  $id: 'PendingRegistration',
  type: 'object',
  properties: {
    user: { $ref: 'User#' },
    emailVerificationRequired: { type: 'boolean', enum: [true] },
  },
  required: ['user', 'emailVerificationRequired'],
} as const;

/** The answer of a request whose work (a mail) goes on after it: a sentence for a person. */
export const acceptedSchema = {
  $id: 'Accepted',
  type: 'object',
  properties: { message: { type: 'string' } },
  required: ['message'],
} as const;

export const sharedSchemas = [
  problemSchema,
  userSchema,
  tokenResponseSchema,
  signInResponseSchema,
  pendingRegistrationSchema,
  acceptedSchema,
  todoSchema,
];

/**
 * Text fields refuse control characters (Cc: NUL, escapes, line breaks) before anything stores
 * them; a NUL even makes PostgreSQL fail. Names and emails also refuse format characters (Cf:
 * zero-width characters, bidi overrides), which only serve to make one string look like another.
 */
const NO_CONTROLS_OR_FORMATS = '^[^\\p{Cc}\\p{Cf}]*$';

/** An email field: a length bound and no invisible characters; the address itself is checked by normaliseEmail. */
export const emailField = {
  type: 'string',
  minLength: 3,
  maxLength: 254,
  pattern: NO_CONTROLS_OR_FORMATS,
} as const;
/**
 * A password field: the schema caps size early (4 bytes per character); policy is checked later.
 * Lone UTF-16 surrogates are refused: they would reach argon2 as U+FFFD, so different passwords
 * would hash alike.
 */
export const passwordField = {
  type: 'string',
  minLength: 1,
  maxLength: PASSWORD_MAX_LENGTH * 4,
  pattern: '^[^\\uD800-\\uDFFF]*$',
} as const;
/** A person's display name. */
export const nameField = { type: 'string', maxLength: 100, pattern: NO_CONTROLS_OR_FORMATS } as const;
/** A todo title: at least one visible character, no control characters. */
export const titleField = {
  type: 'string',
  minLength: 1,
  maxLength: 500,
  pattern: '^(?=[\\s\\S]*\\S)[^\\p{Cc}]*$',
} as const;
export const refreshTokenField = { type: 'string', minLength: 1, maxLength: 512 } as const;
/** The token of a reset or email link (`brp_`, `bev_`, `bec_` + 43 characters); its shape is checked by the domain. */
export const oneTimeTokenField = { type: 'string', minLength: 1, maxLength: 128 } as const;
/** A device token (`bdt_...`); a malformed one is ignored like an unknown one, so only its size is checked here. */
export const deviceTokenField = { type: 'string', maxLength: 128 } as const;

/**
 * A route's problem answers: `statuses`, and the 503 `storage_unavailable` (with `Retry-After`)
 * that any route answers while its database cannot be reached (see store/unavailable.ts).
 */
export const problems = (...statuses: number[]) =>
  Object.fromEntries([...statuses, 503].map((status) => [status, { $ref: 'Problem#' }]));

/** A 204 with no body. */
export const noContent = { 204: { type: 'null', description: 'No content' } } as const;
