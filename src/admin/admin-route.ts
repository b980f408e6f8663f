import type { Context } from 'koa';
import type { z } from 'zod';
import type { OperationContext } from '../management/operation-context.ts';
import type { AdminAccess, AdminGroup } from './admin-scopes.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface DocumentedResponse {
  readonly description: string;
  readonly schema?: z.ZodType;
}

export interface RouteInput<Params, Query, Body> {
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  /** The admin client acting, and its address: recorded with every change. */
  readonly operation: OperationContext;
  readonly ctx: Context;
}

export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One admin route: what it needs (scope group and access), what it takes (zod schemas that both
 * validate the request and make the OpenAPI document) and what it answers.
 */
export interface AdminRoute {
  readonly method: HttpMethod;
  /** OpenAPI form: `/admin/v1/clients/{client_id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly group: AdminGroup;
  readonly access: AdminAccess;
  readonly params?: z.ZodObject | undefined;
  readonly query?: z.ZodObject | undefined;
  readonly body?: z.ZodType | undefined;
  /** The body's media type; PATCH bodies are RFC 7396 merge patches. */
  readonly bodyType?: 'application/json' | 'application/merge-patch+json';
  readonly responses: Readonly<Record<number, DocumentedResponse>>;
  handle(input: RouteInput<unknown, unknown, unknown>): Promise<RouteResult>;
}

interface RouteSpec<P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodType | undefined> extends Omit<AdminRoute, 'handle' | 'params' | 'query' | 'body'> {
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  handle(input: RouteInput<Infer<P>, Infer<Q>, Infer<B>>): Promise<RouteResult>;
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Declares a route with its handler typed by its own schemas. */
export function defineRoute<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): AdminRoute {
  return spec;
}

/** `/admin/v1/clients/{client_id}` → `/admin/v1/clients/:client_id` for the router. */
/** A 204 answer once `work` is done (deletes and other changes with nothing to show). */
export const noContent = async (work: Promise<unknown>): Promise<RouteResult> => {
  await work;
  return { status: 204 };
};

export const routerPath = (path: string): string => path.replace(/\{([A-Za-z_]+)\}/g, ':$1');
