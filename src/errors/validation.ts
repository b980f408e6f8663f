import type { z } from 'zod';
import { AppError, type FieldProblem } from './app-error.ts';

const escapePointerToken = (token: PropertyKey): string => String(token).replace(/~/g, '~0').replace(/\//g, '~1');

/** RFC 6901 pointer of a zod issue's path ("" for the whole input). */
const pointerOf = (path: ReadonlyArray<PropertyKey>): string => path.map((token) => `/${escapePointerToken(token)}`).join('');

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ pointer: pointerOf(issue.path), message: issue.message }));
}

/** Parses `input` with `schema`; a mismatch is an `invalid_input` AppError listing every field. */
export function validate<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = fieldProblems(result.error);
  const summary = fields
    .map((field) => (field.pointer ? `${field.pointer.slice(1).replace(/\//g, '.')}: ${field.message}` : field.message))
    .join('; ');
  throw new AppError('invalid_input', summary, { fields });
}
