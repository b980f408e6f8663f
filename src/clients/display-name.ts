// Direction overrides, isolates and marks: they reorder what the consent page shows, so a name such
// as "Acme\u202Eelgoog" reads as another app's. Line breaks would let a name pass for page text.
const DECEPTIVE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\r\n]/u;
const LONGEST_NAME = 200;

/** Why a name a client gave itself cannot be shown to a person as its name, or undefined when it can. */
export function displayNameProblem(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return `${field} must be a string`;
  if (DECEPTIVE.test(value)) return `${field} must not contain text direction controls or line breaks`;
  if ([...value].length > LONGEST_NAME) return `${field} must be at most ${LONGEST_NAME} characters`;
  return undefined;
}
