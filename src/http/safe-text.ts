// C0 controls other than tab, line feed and carriage return, and DEL: never meaningful in a
// protocol parameter, and NUL is refused by PostgreSQL (error 22021).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` can be safely looked up or stored: no control characters, valid Unicode. */
export const isSafeText = (value: string): boolean => !CONTROL.test(value) && !LONE_SURROGATE.test(value);

/** An identifier (client id, resource, account id) worth a database lookup. */
export const isSafeIdentifier = (value: unknown, maxLength = 2048): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= maxLength && isSafeText(value) && !/[\t\n\r]/.test(value);
