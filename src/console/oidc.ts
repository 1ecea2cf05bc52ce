import type * as Client from 'openid-client';
import type { Config } from '../config/schema.js';

type OidcConfig = NonNullable<Config['console']['oidc']>;

/** What the console needs of an OpenID provider: where to send the browser, and who came back. */
export interface OidcSignIn {
  /** The authorization URL (code flow, S256 PKCE, state, nonce) and the values to keep until the callback. */
  start(redirectUri: string): Promise<{ url: string; state: string; nonce: string; verifier: string }>;
  /** Exchanges the code of `callbackUrl`, checks state, nonce, PKCE and the ID token; returns its claims. */
  finish(callbackUrl: URL, expected: { state: string; nonce: string; verifier: string }): Promise<Record<string, unknown>>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Relying party over `openid-client` (authorization code + PKCE). The issuer's discovery document is
 * read on first use and kept (`openid-client` is loaded then too); a failed read is retried on the next sign-in. Plain http is accepted
 * only for an issuer on loopback (a provider on this machine, as in the tests).
 */
export function createOidcSignIn(cfg: OidcConfig): OidcSignIn {
  const issuer = new URL(cfg.issuer);
  const insecure = issuer.protocol === 'http:';
  if (insecure && !LOOPBACK.has(issuer.hostname)) throw new Error(`console.oidc.issuer must be https (http only on loopback): ${cfg.issuer}`);
  let configuration: Promise<{ client: typeof Client; c: Client.Configuration }> | undefined;

  // The OpenID client library is loaded with the discovery, on the first sign-in: not at start-up.
  function config(): Promise<{ client: typeof Client; c: Client.Configuration }> {
    configuration ??= import('openid-client')
      .then(async (client) => ({
        client,
        c: await client.discovery(issuer, cfg.clientId, cfg.clientSecret, cfg.clientSecret ? client.ClientSecretPost(cfg.clientSecret) : client.None(), insecure ? { execute: [client.allowInsecureRequests] } : {}),
      }))
      .catch((e: unknown) => {
        configuration = undefined;
        throw e;
      });
    return configuration;
  }

  return {
    async start(redirectUri) {
      const { client, c } = await config();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, state, nonce, verifier };
    },
    async finish(callbackUrl, expected) {
      const { client, c } = await config();
      const tokens = await client.authorizationCodeGrant(c, callbackUrl, {
        pkceCodeVerifier: expected.verifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error('the provider returned no ID token');
      return { ...claims } as Record<string, unknown>;
    },
  };
}
