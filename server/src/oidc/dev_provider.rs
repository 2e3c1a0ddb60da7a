//! The dev OpenID provider ("DevID"), dev mode only: a minimal, standards-compliant OP with one
//! public client, the app, so QA and tests have a provider to log in with. Authorization code
//! flow with PKCE (S256) and a nonce; ID tokens are ES256 under a P-256 key kept in the
//! database. Codes live in memory: they last 60 s and die with the server.

use std::collections::HashMap;
use std::io;
use std::sync::Mutex;

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use url::Url;
use utoipa::IntoParams;
use utoipa::ToSchema;

use crate::app::lock;
use crate::oidc::{OidcProvider, jws, pkce};
use crate::{base64url, ident};

/// The one registered client: the app, a public client (no secret; PKCE instead).
pub const CLIENT_ID: &str = "medcircle-app";
/// Its one redirect URI: a private-use scheme (RFC 8252 §7.1), compared exactly.
pub const REDIRECT_URI: &str = "com.medcircle.app:/oauth/callback";
const CODE_TTL_S: i64 = 60;
pub const ID_TOKEN_TTL_S: i64 = 600;
pub const ACCESS_TOKEN_TTL_S: i64 = 3600;
pub const DEFAULT_NAME: &str = "Dr. Demo";

/// A new P-256 signing key, as PKCS#8, for the database to keep.
pub fn generate_key() -> io::Result<Vec<u8>> {
    EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
        .map(|document| document.as_ref().to_vec())
        .map_err(|_| io::Error::other("cannot generate the dev OpenID provider key"))
}

fn key_pair(pkcs8: &[u8]) -> io::Result<EcdsaKeyPair> {
    EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        pkcs8,
        &SystemRandom::new(),
    )
    .map_err(|error| io::Error::other(format!("dev OpenID provider key: {error}")))
}

/// An OAuth error (RFC 6749 §4.1.2.1 and §5.2): a registered code and a description.
/// The OAuth 2.0 error shape (RFC 6749 5.2), used only by the dev provider's own endpoints.
#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OAuthError {
    #[schema(schema_with = crate::openapi::fields::oauth_error_code)]
    pub error: &'static str,
    #[serde(rename = "error_description")]
    pub description: &'static str,
}

/// The provider metadata (OpenID Connect Discovery 1.0 §3).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OidcProviderMetadata)]
pub struct Metadata {
    #[schema(examples("http://127.0.0.1:8080/dev/oidc"))]
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub response_types_supported: Vec<String>,
    pub subject_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub grant_types_supported: Vec<String>,
    /// RFC 9207: every authorization response carries `iss`.
    #[schema(schema_with = crate::openapi::fields::always_true)]
    pub authorization_response_iss_parameter_supported: bool,
}

/// The provider's public keys (RFC 7517).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = JwkSet)]
pub struct PublicKeys {
    pub keys: Vec<PublicKey>,
}

/// The one P-256 signing key.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Jwk)]
pub struct PublicKey {
    #[schema(schema_with = crate::openapi::fields::jwk_kty)]
    kty: &'static str,
    #[schema(schema_with = crate::openapi::fields::jwk_crv)]
    crv: &'static str,
    /// base64url, 32 bytes.
    x: String,
    /// base64url, 32 bytes.
    y: String,
    kid: String,
    #[schema(schema_with = crate::openapi::fields::jwk_alg)]
    alg: &'static str,
    #[serde(rename = "use")]
    #[schema(schema_with = crate::openapi::fields::jwk_use)]
    usage: &'static str,
}

/// A successful token answer (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OidcTokenResponse)]
pub struct TokenAnswer {
    pub access_token: String,
    #[schema(schema_with = crate::openapi::fields::bearer)]
    pub token_type: &'static str,
    #[schema(schema_with = crate::openapi::fields::oidc_access_expires_in)]
    pub expires_in: i64,
    /// Compact JWS, ES256.
    pub id_token: String,
    #[schema(schema_with = crate::openapi::fields::oidc_scope)]
    pub scope: &'static str,
}

const fn oauth(error: &'static str, description: &'static str) -> OAuthError {
    OAuthError { error, description }
}

/// `GET /authorize`'s query; every parameter optional so that each absence gets its own error.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorizeQuery {
    /// Must be `code`.
    #[param(schema_with = crate::openapi::fields::response_type)]
    pub response_type: Option<String>,
    /// The registered client.
    #[param(schema_with = crate::openapi::fields::client_id)]
    pub client_id: Option<String>,
    /// The registered redirect URI.
    #[param(schema_with = crate::openapi::fields::redirect_uri)]
    pub redirect_uri: Option<String>,
    /// Space-separated; must include `openid`.
    #[param(example = "openid profile")]
    pub scope: Option<String>,
    /// Echoed exactly in the redirect.
    pub state: Option<String>,
    /// Copied into the ID token.
    #[param(min_length = 1, max_length = 255)]
    pub nonce: Option<String>,
    /// BASE64URL(SHA256(code_verifier)), no padding.
    #[param(pattern = "^[A-Za-z0-9._~-]{43,128}$")]
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    #[param(schema_with = crate::openapi::fields::code_challenge_method)]
    pub code_challenge_method: Option<String>,
    /// Dev only: who the user "signs in" as; without it the consent page is shown.
    /// Dev only: sign in as this subject (`sub`).
    #[param(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub dev_subject: Option<String>,
    /// Dev only: the display name (`name`, `nickname`); default `Dr. Demo`.
    #[param(min_length = 1, max_length = 64)]
    pub dev_name: Option<String>,
    /// Dev only: `deny` plays the user refusing.
    /// Dev only: the user declines.
    #[param(schema_with = crate::openapi::fields::dev_decision)]
    pub dev_decision: Option<String>,
}

/// What `/authorize` answers.
#[derive(Debug, PartialEq, Eq)]
pub enum Authorization {
    /// The client or redirect URI cannot be trusted: an error page, never a redirect.
    Refused(OAuthError),
    /// A valid request, no decision yet: the sign-in page.
    Consent,
    /// Back to the app, with a code or an error.
    Redirect(String),
}

/// `POST /token`'s form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = OidcTokenRequest)]
pub struct TokenRequest {
    #[schema(schema_with = crate::openapi::fields::grant_type, required = true)]
    pub grant_type: Option<String>,
    #[schema(nullable = false, required = true)]
    pub code: Option<String>,
    #[schema(schema_with = crate::openapi::fields::redirect_uri, required = true)]
    pub redirect_uri: Option<String>,
    #[schema(schema_with = crate::openapi::fields::client_id, required = true)]
    pub client_id: Option<String>,
    #[schema(
        nullable = false,
        pattern = "^[A-Za-z0-9._~-]{43,128}$",
        required = true
    )]
    pub code_verifier: Option<String>,
}

/// What a code was issued for.
struct Grant {
    redirect_uri: String,
    code_challenge: String,
    nonce: String,
    subject: String,
    name: String,
    expires_at: i64,
}

/// What goes into an ID token.
pub struct IdTokenClaims<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub audience: &'a str,
    pub nonce: Option<&'a str>,
    pub name: &'a str,
    pub issued_at: i64,
    pub expires_at: i64,
}

pub struct DevProvider {
    issuer: String,
    key: EcdsaKeyPair,
    kid: String,
    codes: Mutex<HashMap<String, Grant>>,
}

impl DevProvider {
    /// The provider of the server at `base_url`, signing with the PKCS#8 key `pkcs8`.
    pub fn new(base_url: &str, pkcs8: &[u8]) -> io::Result<Self> {
        let key = key_pair(pkcs8)?;
        // Derived from the public key: stable for as long as the database keeps the key.
        let kid = base64url::encode(&Sha256::digest(key.public_key().as_ref())[..12]);
        Ok(DevProvider {
            issuer: format!("{base_url}/dev/oidc"),
            key,
            kid,
            codes: Mutex::new(HashMap::new()),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// This provider as the server trusts it under `name`.
    pub fn trusted_as(&self, name: &str) -> OidcProvider {
        OidcProvider {
            name: name.to_owned(),
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.to_owned(),
        }
    }

    /// The provider metadata (OpenID Connect Discovery 1.0 §3).
    pub fn metadata(&self) -> Metadata {
        let issuer = &self.issuer;
        let list = |items: &[&str]| items.iter().map(|&item| item.to_owned()).collect();
        Metadata {
            issuer: issuer.clone(),
            authorization_endpoint: format!("{issuer}/authorize"),
            token_endpoint: format!("{issuer}/token"),
            jwks_uri: format!("{issuer}/jwks"),
            response_types_supported: list(&["code"]),
            subject_types_supported: list(&["public"]),
            id_token_signing_alg_values_supported: list(&["ES256"]),
            code_challenge_methods_supported: list(&["S256"]),
            scopes_supported: list(&["openid", "profile"]),
            token_endpoint_auth_methods_supported: list(&["none"]),
            grant_types_supported: list(&["authorization_code"]),
            authorization_response_iss_parameter_supported: true,
        }
    }

    /// The public key set: the one signing key, as a JWK.
    pub fn jwks(&self) -> PublicKeys {
        let point = self.key.public_key().as_ref();
        // Uncompressed point: 0x04 || X || Y, 32 bytes each.
        PublicKeys {
            keys: vec![PublicKey {
                kty: "EC",
                crv: "P-256",
                x: base64url::encode(&point[1..33]),
                y: base64url::encode(&point[33..65]),
                kid: self.kid.clone(),
                alg: "ES256",
                usage: "sig",
            }],
        }
    }

    /// Handles an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2).
    pub fn authorize(&self, query: &AuthorizeQuery, now: i64) -> Authorization {
        if query.client_id.as_deref() != Some(CLIENT_ID) {
            return Authorization::Refused(oauth("invalid_client", "unknown client_id"));
        }
        if query.redirect_uri.as_deref() != Some(REDIRECT_URI) {
            return Authorization::Refused(oauth(
                "invalid_request",
                "redirect_uri is not the client's registered redirect URI",
            ));
        }
        let state = query.state.as_deref();
        let fail = |error| Authorization::Redirect(redirect(&self.issuer, state, Err(error)));
        let (challenge, nonce) = match checked(query) {
            Ok(checked) => checked,
            Err(error) => return fail(error),
        };
        if query.dev_decision.is_some() {
            return fail(oauth("access_denied", "the user declined to sign in"));
        }
        let Some(subject) = query.dev_subject.as_deref() else {
            return Authorization::Consent;
        };
        let name = query.dev_name.as_deref().unwrap_or(DEFAULT_NAME);
        let grant = Grant {
            redirect_uri: REDIRECT_URI.to_owned(),
            code_challenge: challenge.to_owned(),
            nonce: nonce.to_owned(),
            subject: subject.to_owned(),
            name: name.to_owned(),
            expires_at: now + CODE_TTL_S,
        };
        let code = base64url::encode(&rand::random::<[u8; 32]>());
        let mut codes = lock(&self.codes);
        codes.retain(|_, grant| grant.expires_at >= now);
        codes.insert(code.clone(), grant);
        Authorization::Redirect(redirect(&self.issuer, state, Ok(&code)))
    }

    /// Redeems a code at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.6): the body to
    /// answer with 200, or the error for 400.
    pub fn token(&self, request: &TokenRequest, now: i64) -> Result<TokenAnswer, OAuthError> {
        match required(&request.grant_type, "grant_type is required")? {
            "authorization_code" => {}
            _ => {
                return Err(oauth(
                    "unsupported_grant_type",
                    "only authorization_code is supported",
                ));
            }
        }
        if required(&request.client_id, "client_id is required")? != CLIENT_ID {
            return Err(oauth("invalid_client", "unknown client_id"));
        }
        let code = required(&request.code, "code is required")?;
        let redirect_uri = required(&request.redirect_uri, "redirect_uri is required")?;
        let verifier = required(&request.code_verifier, "code_verifier is required")?;
        if !pkce::well_formed(verifier) {
            return Err(oauth(
                "invalid_request",
                "code_verifier must be 43 to 128 unreserved characters",
            ));
        }
        // Removed whatever follows: a code presented once is spent, even by a wrong verifier.
        let grant = lock(&self.codes)
            .remove(code)
            .ok_or(oauth("invalid_grant", "unknown or already used code"))?;
        if now > grant.expires_at {
            return Err(oauth("invalid_grant", "the code has expired"));
        }
        if redirect_uri != grant.redirect_uri {
            return Err(oauth(
                "invalid_grant",
                "redirect_uri differs from the authorization request's",
            ));
        }
        if !pkce::verifies(verifier, &grant.code_challenge) {
            return Err(oauth(
                "invalid_grant",
                "code_verifier does not match the code_challenge",
            ));
        }
        let id_token = self.id_token(
            &IdTokenClaims {
                issuer: &self.issuer,
                subject: &grant.subject,
                audience: CLIENT_ID,
                nonce: Some(&grant.nonce),
                name: &grant.name,
                issued_at: now,
                expires_at: now + ID_TOKEN_TTL_S,
            },
            None,
        );
        Ok(TokenAnswer {
            access_token: base64url::encode(&rand::random::<[u8; 32]>()),
            token_type: "Bearer",
            expires_in: ACCESS_TOKEN_TTL_S,
            id_token,
            scope: "openid profile",
        })
    }

    /// A signed ID token; with `forger`, signed by that key instead, under the real key id.
    pub fn id_token(&self, claims: &IdTokenClaims<'_>, forger: Option<&EcdsaKeyPair>) -> String {
        let mut body = json!({
            "iss": claims.issuer,
            "sub": claims.subject,
            "aud": claims.audience,
            "exp": claims.expires_at,
            "iat": claims.issued_at,
            "name": claims.name,
            "nickname": claims.name,
            // Where a real provider would host the avatar; nothing is served there.
            "picture": format!("{}/avatars/{}.png", self.issuer, claims.subject),
        });
        if let Some(nonce) = claims.nonce {
            body["nonce"] = nonce.into();
        }
        jws::sign_es256(forger.unwrap_or(&self.key), &self.kid, &body)
    }
}

/// A parameter's value, which must be there and not empty.
fn required<'a>(value: &'a Option<String>, what: &'static str) -> Result<&'a str, OAuthError> {
    value
        .as_deref()
        .filter(|value| !value.is_empty())
        .ok_or(oauth("invalid_request", what))
}

/// A throwaway key, for minting forged tokens.
pub fn throwaway_key() -> io::Result<EcdsaKeyPair> {
    key_pair(&generate_key()?)
}

/// Whether `subject` may be a dev subject: 1 to 64 of `[A-Za-z0-9_-]`.
pub fn valid_subject(subject: &str) -> bool {
    ident::is_valid(subject, 1..=64)
}

/// Whether `name` may be a display name: 1 to 64 characters, no control characters.
pub fn valid_name(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= 64 && !name.chars().any(char::is_control)
}

/// The request's code challenge and nonce, if the request is acceptable.
fn checked(query: &AuthorizeQuery) -> Result<(&str, &str), OAuthError> {
    let invalid = |description| oauth("invalid_request", description);
    if query.response_type.as_deref() != Some("code") {
        return Err(invalid("response_type must be code"));
    }
    let scope = query.scope.as_deref().unwrap_or_default();
    if !scope.split(' ').any(|scope| scope == "openid") {
        return Err(invalid("scope must include openid"));
    }
    let nonce = query
        .nonce
        .as_deref()
        .filter(|nonce| (1..=255).contains(&nonce.len()))
        .ok_or(invalid("nonce is required (1 to 255 characters)"))?;
    let challenge = query
        .code_challenge
        .as_deref()
        .filter(|challenge| pkce::well_formed(challenge))
        .ok_or(invalid(
            "code_challenge is required: 43 to 128 unreserved characters",
        ))?;
    if query.code_challenge_method.as_deref() != Some("S256") {
        return Err(invalid("code_challenge_method must be S256"));
    }
    if query
        .dev_decision
        .as_deref()
        .is_some_and(|decision| decision != "deny")
    {
        return Err(invalid("dev_decision must be deny"));
    }
    if query
        .dev_subject
        .as_deref()
        .is_some_and(|subject| !valid_subject(subject))
    {
        return Err(invalid(
            "dev_subject must be 1 to 64 of A-Z, a-z, 0-9, _ and -",
        ));
    }
    if query
        .dev_name
        .as_deref()
        .is_some_and(|name| !valid_name(name))
    {
        return Err(invalid("dev_name must be 1 to 64 characters"));
    }
    Ok((challenge, nonce))
}

/// The redirect URI with a code, or an error, the state echoed (RFC 6749 §4.1.2) and the
/// issuer named (RFC 9207), as the metadata announces.
fn redirect(issuer: &str, state: Option<&str>, outcome: Result<&str, OAuthError>) -> String {
    let mut url = Url::parse(REDIRECT_URI).expect("the registered redirect URI is a URL");
    {
        let mut query = url.query_pairs_mut();
        match outcome {
            Ok(code) => query.append_pair("code", code),
            Err(error) => query
                .append_pair("error", error.error)
                .append_pair("error_description", error.description),
        };
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    url.into()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    const NOW: i64 = 1_800_000_000;
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn provider() -> DevProvider {
        DevProvider::new("http://127.0.0.1:9", &generate_key().unwrap()).unwrap()
    }

    fn request() -> AuthorizeQuery {
        AuthorizeQuery {
            response_type: Some("code".into()),
            client_id: Some(CLIENT_ID.into()),
            redirect_uri: Some(REDIRECT_URI.into()),
            scope: Some("openid profile".into()),
            state: Some("s t&a=te".into()),
            nonce: Some("nonce-1".into()),
            code_challenge: Some(CHALLENGE.into()),
            code_challenge_method: Some("S256".into()),
            dev_subject: Some("demo-doctor".into()),
            ..AuthorizeQuery::default()
        }
    }

    /// The query parameters of a redirect back to the app.
    fn redirected(authorization: Authorization) -> HashMap<String, String> {
        let Authorization::Redirect(location) = authorization else {
            panic!("not a redirect: {authorization:?}");
        };
        assert!(
            location.starts_with(&format!("{REDIRECT_URI}?")),
            "{location}"
        );
        Url::parse(&location)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }

    fn exchange(code: &str) -> TokenRequest {
        TokenRequest {
            grant_type: Some("authorization_code".into()),
            code: Some(code.into()),
            redirect_uri: Some(REDIRECT_URI.into()),
            client_id: Some(CLIENT_ID.into()),
            code_verifier: Some(VERIFIER.into()),
        }
    }

    fn code(provider: &DevProvider) -> String {
        redirected(provider.authorize(&request(), NOW))["code"].clone()
    }

    #[test]
    fn a_code_is_exchanged_once_with_its_verifier_for_an_id_token() {
        let provider = provider();
        let query = redirected(provider.authorize(&request(), NOW));
        assert_eq!(query["state"], "s t&a=te", "the state comes back exactly");
        assert_eq!(query["iss"], "http://127.0.0.1:9/dev/oidc");
        assert_eq!(query.len(), 3, "{query:?}");
        let answer = provider.token(&exchange(&query["code"]), NOW + 60).unwrap();
        let answer = serde_json::to_value(answer).unwrap();
        assert_eq!(answer["token_type"], "Bearer");
        assert_eq!(answer["expires_in"], 3600);
        assert_eq!(answer["scope"], "openid profile");
        let id_token = answer["id_token"].as_str().unwrap();
        let jws = jws::parse(id_token).unwrap();
        let claims: Value = serde_json::from_slice(&jws.payload).unwrap();
        assert_eq!(claims["iss"], "http://127.0.0.1:9/dev/oidc");
        assert_eq!(claims["aud"], CLIENT_ID);
        assert_eq!(claims["sub"], "demo-doctor");
        assert_eq!(claims["nonce"], "nonce-1");
        assert_eq!(claims["name"], DEFAULT_NAME);
        assert_eq!(claims["iat"], NOW + 60);
        assert_eq!(claims["exp"], NOW + 60 + ID_TOKEN_TTL_S);
        let keys: crate::oidc::jwk::JwkSet =
            serde_json::from_value(serde_json::to_value(provider.jwks()).unwrap()).unwrap();
        let key = keys.select(jws.alg, jws.kid.as_deref()).unwrap();
        assert!(key.verifies(jws.alg, jws.signing_input.as_bytes(), &jws.signature));

        let again = provider
            .token(&exchange(&query["code"]), NOW + 60)
            .unwrap_err();
        assert_eq!(again.error, "invalid_grant");
    }

    #[test]
    fn refuses_a_wrong_verifier_redirect_or_an_old_code_and_spends_the_code() {
        let provider = provider();
        let wrong_verifier = TokenRequest {
            code_verifier: Some(format!("{VERIFIER}x")),
            ..exchange(&code(&provider))
        };
        assert_eq!(
            provider.token(&wrong_verifier, NOW).unwrap_err().error,
            "invalid_grant"
        );
        let spent = wrong_verifier.code.clone().unwrap();
        assert_eq!(
            provider.token(&exchange(&spent), NOW).unwrap_err().error,
            "invalid_grant"
        );

        let wrong_redirect = TokenRequest {
            redirect_uri: Some("com.medcircle.app:/other".into()),
            ..exchange(&code(&provider))
        };
        assert_eq!(
            provider.token(&wrong_redirect, NOW).unwrap_err().error,
            "invalid_grant"
        );
        let old = code(&provider);
        assert_eq!(
            provider.token(&exchange(&old), NOW + 61).unwrap_err().error,
            "invalid_grant"
        );
    }

    #[test]
    fn token_requests_use_the_rfc_6749_error_codes() {
        let provider = provider();
        let error = |change: fn(&mut TokenRequest)| {
            let mut request = exchange(&code(&provider));
            change(&mut request);
            provider.token(&request, NOW).unwrap_err().error
        };
        assert_eq!(
            error(|r| r.grant_type = Some("refresh_token".into())),
            "unsupported_grant_type"
        );
        assert_eq!(error(|r| r.grant_type = None), "invalid_request");
        assert_eq!(
            error(|r| r.client_id = Some("other".into())),
            "invalid_client"
        );
        assert_eq!(error(|r| r.code_verifier = None), "invalid_request");
        assert_eq!(
            error(|r| r.code_verifier = Some("short".into())),
            "invalid_request"
        );
        assert_eq!(error(|r| r.code = Some("unknown".into())), "invalid_grant");
        assert_eq!(error(|r| r.redirect_uri = None), "invalid_request");
    }

    #[test]
    fn never_redirects_to_an_unregistered_client_or_uri() {
        let provider = provider();
        for change in [
            (|q: &mut AuthorizeQuery| q.client_id = Some("other".into())) as fn(&mut _),
            |q| q.client_id = None,
            |q| q.redirect_uri = Some("https://evil.example/cb".into()),
            |q| q.redirect_uri = Some(format!("{REDIRECT_URI}/")),
            |q| q.redirect_uri = None,
        ] {
            let mut query = request();
            change(&mut query);
            let outcome = provider.authorize(&query, NOW);
            assert!(matches!(outcome, Authorization::Refused(_)), "{outcome:?}");
        }
    }

    #[test]
    fn bad_requests_and_denials_go_back_to_the_app_as_errors() {
        let provider = provider();
        for change in [
            (|q: &mut AuthorizeQuery| q.response_type = Some("token".into())) as fn(&mut _),
            |q| q.response_type = None,
            |q| q.code_challenge = None,
            |q| q.code_challenge = Some("short".into()),
            |q| q.code_challenge_method = Some("plain".into()),
            |q| q.code_challenge_method = None,
            |q| q.scope = Some("profile".into()),
            |q| q.nonce = None,
            |q| q.dev_subject = Some("a b".into()),
            |q| q.dev_name = Some(String::new()),
        ] {
            let mut query = request();
            change(&mut query);
            let back = redirected(provider.authorize(&query, NOW));
            assert_eq!(back["error"], "invalid_request", "{query:?}");
            assert_eq!(back["state"], "s t&a=te");
            assert_eq!(back["iss"], "http://127.0.0.1:9/dev/oidc");
        }
        let denied = AuthorizeQuery {
            dev_decision: Some("deny".into()),
            ..request()
        };
        assert_eq!(
            redirected(provider.authorize(&denied, NOW))["error"],
            "access_denied"
        );
        let undecided = AuthorizeQuery {
            dev_subject: None,
            ..request()
        };
        assert_eq!(provider.authorize(&undecided, NOW), Authorization::Consent);
    }

    #[test]
    fn publishes_metadata_and_a_p256_key() {
        let provider = provider();
        let metadata = serde_json::to_value(provider.metadata()).unwrap();
        assert_eq!(metadata["issuer"], "http://127.0.0.1:9/dev/oidc");
        assert_eq!(
            metadata["token_endpoint"],
            "http://127.0.0.1:9/dev/oidc/token"
        );
        assert_eq!(
            metadata["code_challenge_methods_supported"],
            json!(["S256"])
        );
        assert_eq!(
            metadata["authorization_response_iss_parameter_supported"],
            true
        );
        let jwks = serde_json::to_value(provider.jwks()).unwrap();
        let jwk = &jwks["keys"][0];
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "P-256");
        for coordinate in ["x", "y"] {
            let bytes = base64url::decode(jwk[coordinate].as_str().unwrap()).unwrap();
            assert_eq!(bytes.len(), 32);
        }
    }
}
