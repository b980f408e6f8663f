import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/**
 * A virtual WebAuthn authenticator in one Chromium page, through the DevTools protocol's WebAuthn
 * domain: a platform authenticator that holds discoverable credentials and verifies the user at
 * once. `synced` makes its passkeys backed up (BE and BS set), as a phone's synced passkey is.
 */
export class VirtualAuthenticator {
  readonly #cdp: CDPSession;
  #id: string;

  private constructor(cdp: CDPSession, id: string) {
    this.#cdp = cdp;
    this.#id = id;
  }

  static async attach(context: BrowserContext, page: Page, options: { synced?: boolean } = {}): Promise<VirtualAuthenticator> {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    return new VirtualAuthenticator(cdp, await VirtualAuthenticator.#add(cdp, options));
  }

  static async #add(cdp: CDPSession, { synced = false }: { synced?: boolean }): Promise<string> {
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
        defaultBackupEligibility: synced,
        defaultBackupState: synced,
      },
    });
    return authenticatorId;
  }

  /** Replaces this authenticator by an empty one (another device), in the same page. */
  async replace(options: { synced?: boolean } = {}): Promise<void> {
    await this.#cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.#id });
    this.#id = await VirtualAuthenticator.#add(this.#cdp, options);
  }

  /** The passkeys it holds, private keys and counters included, to carry to another browser. */
  async credentials() {
    return (await this.#cdp.send('WebAuthn.getCredentials', { authenticatorId: this.#id })).credentials;
  }

  async add(credential: VirtualCredential): Promise<void> {
    await this.#cdp.send('WebAuthn.addCredential', { authenticatorId: this.#id, credential });
  }
}

export type VirtualCredential = Awaited<ReturnType<VirtualAuthenticator['credentials']>>[number];
