// An OpenID Certified provider (panva/node-oidc-provider) for the core suite: one public
// native client with PKCE, any login name accepted (the library's dev interactions), and the
// profile claims only at userinfo (the library's default `conformIdTokenClaims`). It announces
// RFC 9207 and sends `iss` with every authorization response; with `--omit-iss` it still
// announces it but drops `iss` from the response, as a broken or impersonated provider would.
// Prints `listening ISSUER` once it accepts connections.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const omitIss = process.argv.includes('--omit-iss');

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'medcircle-app',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['com.medcircle.app:/oauth/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    claims: { openid: ['sub'], profile: ['name', 'nickname', 'picture'] },
    // An account per login name; `nobody-*` has no profile at all.
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => (sub.startsWith('nobody-') ? { sub } : {
        sub,
        name: `Dr. ${sub}`,
        nickname: sub,
        picture: `https://avatars.example/${sub}.png`,
      }),
    }),
    features: { devInteractions: { enabled: true } },
  });
  if (omitIss) {
    provider.on('authorization.success', (_ctx, out) => { delete out.iss; });
  }
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});
