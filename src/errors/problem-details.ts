import type { AppError, FieldProblem } from './app-error.ts';

/** RFC 9457 problem details, as the admin API answers every failure. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors?: readonly FieldProblem[];
  readonly request_id?: string;
}

const TITLES: Record<string, string> = {
  invalid_request: 'Invalid request',
  invalid_input: 'Invalid input',
  invalid_client_metadata: 'Invalid client metadata',
  invalid_token: 'Invalid or missing access token',
  insufficient_scope: 'Insufficient scope',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  server_error: 'Internal server error',
  unavailable: 'Service unavailable',
};

export const PROBLEM_TYPE_BASE = 'urn:portcullis:problem:';

// Well-formed JSON that fails validation is 422 on the admin API (RFC 9110 section 15.5.21).
const STATUS_ON_THIS_TRANSPORT: Partial<Record<string, number>> = { invalid_input: 422, invalid_client_metadata: 422 };

/** The problem document of an expected failure, or the generic one (with the request id) for anything else. */
export function toProblemDetails(error: AppError | undefined, requestId: string): ProblemDetails {
  if (!error || !error.expose) {
    const code = error?.code ?? 'server_error';
    return {
      type: `${PROBLEM_TYPE_BASE}${code}`,
      title: TITLES[code] ?? 'Error',
      status: error?.status ?? 500,
      detail: `an unexpected error occurred (request id ${requestId})`,
      code,
      request_id: requestId,
    };
  }
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title: TITLES[error.code] ?? 'Error',
    status: STATUS_ON_THIS_TRANSPORT[error.code] ?? error.status,
    detail: error.message,
    code: error.code,
    ...(error.fields.length > 0 ? { errors: error.fields } : {}),
    request_id: requestId,
  };
}
