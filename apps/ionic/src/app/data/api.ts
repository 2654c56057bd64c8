import type { paths } from './api.generated';

/**
 * The JSON body that `method` on `path` answers with `status`, read from the types generated from
 * the server's OpenAPI document: when the server's schemas change, these change with them (or the
 * build fails).
 */
export type JsonBody<
  Path extends keyof paths,
  Method extends 'get' | 'post' | 'patch' | 'delete',
  Status extends number,
> = paths[Path][Method] extends { responses: infer Responses }
  ? Status extends keyof Responses
    ? Responses[Status] extends { content: { 'application/json': infer Json } }
      ? Json
      : never
    : never
  : never;

/** A todo as `GET /todos` lists it. */
export type Todo = JsonBody<'/todos', 'get', 200>[number];

/** One signed-in device of the user, as `GET /auth/sessions` lists it. */
export type DeviceSession = JsonBody<'/auth/sessions', 'get', 200>[number];
