// What the API answers when it refuses, as TypeBox schemas for the OpenAPI document: per HTTP
// status, `{ error: { code, message, details? } }` with the codes of the one registry that go with
// that status (src/core/errors.ts), so the document lists every code a route can answer.
import { Type } from 'typebox';
import type { TSchema } from 'typebox';
import { ERRORS } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';
import { httpStatus } from './errors.js';

const Opt = Type.Optional;
const Str = Type.String();

/** The codes answered with this status, from the one registry (src/core/errors.ts, errors.ts). */
export function codesFor(status: number): string[] {
  return (Object.keys(ERRORS) as ErrorCode[]).filter((code) => httpStatus(code) === status);
}

const ERROR_MEANING: Readonly<Record<number, string>> = {
  400: 'The request is malformed or does not have the expected shape.',
  401: 'No valid token or API key.',
  403: 'The caller may not do this.',
  404: "Nothing with that id or extension in the caller's company.",
  405: 'The path exists but not with this method.',
  409: 'The id, extension or email is taken.',
  413: 'The request body is too large.',
  414: 'The address is too long.',
  415: 'The body is not application/json.',
  422: 'A rule of the service refuses the change; the code says which.',
  429: 'Too many failed sign-ins; wait and retry.',
  431: 'The request headers are too large.',
  500: 'A bug on the server; the change was not made.',
  503: 'The server is starting or stopping.',
};

const errorReplies = new Map<number, TSchema>();

/** `{ error: { code, message, details? } }` with the codes that go with the status. */
export function errorReply(status: number): typeof ErrorReply {
  let schema = errorReplies.get(status);
  if (schema === undefined) {
    schema = Type.Object(
      {
        error: Type.Object({
          code: Type.Enum(codesFor(status)),
          message: Str,
          details: Opt(
            Type.Object(
              {},
              {
                additionalProperties: true,
                description: 'What the refusal is about (a field, an id, the validation issues).',
              },
            ),
          ),
        }),
      },
      { description: `${ERROR_MEANING[status] ?? 'Refused.'} See docs/errors.md.` },
    );
    errorReplies.set(status, schema);
  }
  return schema as typeof ErrorReply;
}

export const ErrorReply = Type.Object({
  error: Type.Object({ code: Str, message: Str, details: Opt(Type.Object({}, { additionalProperties: true })) }),
});
