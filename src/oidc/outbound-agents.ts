import { getCACertificates } from 'node:tls';
import type { Dispatcher } from 'undici-types';
import { applySSRFProtection } from 'oidc-provider/lib/helpers/fetch_request.js';

/** The connection pools of oidc-provider's outgoing requests: one refusing special-use addresses, one for the hosts an operator listed. */
export interface OutboundAgents {
  readonly guarded: Dispatcher;
  readonly open: Dispatcher;
}

type AgentClass = new (options?: { connect?: { ca?: string[] } }) => Dispatcher;

/** The default CAs and OUTBOUND_CA_FILE's: what outgoing https trusts when that file is set. */
export const trustedCertificates = (extra: readonly string[]): string[] => [...getCACertificates('default'), ...extra];

/**
 * Node's fetch is undici, which is no package here: its Agent class is the global dispatcher's, as
 * oidc-provider finds it. Undefined where that global is not this realm's (a test sandbox).
 */
function agentClass(): AgentClass | undefined {
  void Response; // built-in undici loads with its first use, and installs its global dispatcher then
  const globals = globalThis as unknown as Record<symbol, { constructor: AgentClass } | undefined>;
  return (globals[Symbol.for('undici.globalDispatcher.2')] ?? globals[Symbol.for('undici.globalDispatcher.1')])?.constructor;
}

/**
 * Pools that trust OUTBOUND_CA_FILE as well as the default CAs; the guarded one carries
 * oidc-provider's own SSRF guard (a connection to a special-use address, loopback or private, is
 * destroyed before anything is sent). Undefined when undici's Agent cannot be reached.
 */
export function caTrustingAgents(extra: readonly string[]): OutboundAgents | undefined {
  const Agent = agentClass();
  if (!Agent) return undefined;
  const options = { connect: { ca: trustedCertificates(extra) } };
  return { guarded: applySSRFProtection(new Agent(options)), open: new Agent(options) };
}
