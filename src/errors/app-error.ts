/**
 * The stable codes of every expected failure. Each transport translates them once: protocol JSON
 * (`http/error-handler.ts`), an HTML page (`pages/error-page.ts`), RFC 9457 problem details
 * (`errors/problem-details.ts`) and a CLI line (`cli/run.ts`).
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_input: 400,
  invalid_client_metadata: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  server_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One input field that failed validation, located by an RFC 6901 JSON pointer. */
export interface FieldProblem {
  readonly pointer: string;
  readonly message: string;
}

export interface AppErrorOptions {
  readonly status?: number;
  /** Whether the message may reach the caller; defaults to true below 500. */
  readonly expose?: boolean;
  readonly fields?: readonly FieldProblem[];
  readonly retryAfter?: number;
  /** Response headers that belong to this failure (a `WWW-Authenticate` challenge). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** An expected failure: a stable `code`, an HTTP status, and whether its message may be shown. */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly fields: readonly FieldProblem[];
  readonly retryAfter: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    this.expose = options.expose ?? this.status < 500;
    this.fields = options.fields ?? [];
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
  }
}

const CODE_BY_STATUS = new Map<number, ErrorCode>([
  [404, 'not_found'],
  [405, 'method_not_allowed'],
  [409, 'conflict'],
  [413, 'payload_too_large'],
  [415, 'unsupported_media_type'],
  [429, 'rate_limited'],
]);

/**
 * The expected failure behind any thrown value, or undefined when it is unexpected (a bug or an
 * outage: the caller answers generically and logs it). Koa's and its body parser's `http-errors`
 * with `expose` count as expected.
 */
export function expectedFailure(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const candidate = error as { status?: unknown; expose?: unknown; message?: unknown } | null;
  if (typeof candidate?.status === 'number' && candidate.status >= 400 && candidate.status < 500 && candidate.expose === true) {
    return new AppError(CODE_BY_STATUS.get(candidate.status) ?? 'invalid_request', String(candidate.message), {
      status: candidate.status,
      cause: error,
    });
  }
  return undefined;
}
