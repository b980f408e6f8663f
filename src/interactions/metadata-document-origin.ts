import { isMetadataDocumentClient } from '../cimd/provider-feature.ts';
import { isLoopbackHost } from '../cimd/document-rules.ts';
import type { Interaction, InteractionDependencies } from './interaction-state.ts';

/**
 * What the consent page shows of a client by metadata document (MCP authorization, security
 * considerations): the host that published the document, the host the browser is sent back to, and
 * whether that is this device (any program on it could claim to be the client) or another site.
 */
export interface MetadataDocumentOrigin {
  readonly documentHost: string;
  readonly redirectHost: string;
  readonly loopback: boolean;
  /** The redirect goes to a host other than the document's, and not to this device. */
  readonly otherSite: boolean;
}

export async function metadataDocumentOriginOf({ provider }: InteractionDependencies, interaction: Interaction): Promise<MetadataDocumentOrigin | undefined> {
  const clientId = interaction.params.client_id;
  if (typeof clientId !== 'string') return undefined;
  const client = await provider.current.Client.find(clientId).catch(() => undefined);
  if (!isMetadataDocumentClient(client)) return undefined;
  const documentHost = new URL(clientId).host;
  const redirect = typeof interaction.params.redirect_uri === 'string' ? URL.parse(interaction.params.redirect_uri) : null;
  const redirectHost = redirect?.host ?? '';
  const loopback = redirect ? isLoopbackHost(redirect.hostname) : false;
  return { documentHost, redirectHost, loopback, otherSite: !loopback && redirect?.hostname !== new URL(clientId).hostname };
}
