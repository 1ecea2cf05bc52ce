/**
 * A real OpenID provider for the console tests: `oidc-provider` on loopback with its development
 * login (any login name, any password) and consent pages. Accounts are looked up by login name;
 * their email is `<login>@example.test` and their groups come from `groups`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Registers the console's callback (known once the gateway listens) and starts answering. */
  attach(redirectUri: string): void;
  close(): Promise<void>;
}

export async function startIdp(groups: Record<string, string[]> = {}): Promise<TestIdp> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (!handler) {
      res.statusCode = 503;
      res.end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'airlock-console';
  const clientSecret = 'console-test-secret-0123456789abcdef';
  return {
    issuer,
    clientId,
    clientSecret,
    attach(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
        pkce: { required: () => true },
        features: { devInteractions: { enabled: true } },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
        conformIdTokenClaims: false,
        cookies: { keys: ['idp-test-cookie-key-0123456789abcdef'] },
        async findAccount(_ctx: unknown, id: string) {
          return {
            accountId: id,
            async claims() {
              return { sub: id, email: `${id}@example.test`, email_verified: true, name: id, groups: groups[id] ?? [] };
            },
          };
        },
      } as never);
      (provider as unknown as { proxy: boolean }).proxy = false;
      handler = provider.callback() as never;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
