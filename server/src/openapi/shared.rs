//! What every operation shares, added once instead of on each handler: the bearer scheme, the
//! answers of the layers in front of every handler (wrong method, oversized URI or headers,
//! internal failure), the headers `ApiError` sets, an example body for every error code an
//! answer's description names, and the dev-only mark.

use utoipa::Modify;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

use crate::error::ApiError;

pub struct Shared;

/// The tag of the operations that exist only with `--dev`.
pub const DEV_TAG: &str = "dev";

/// The 401 of every operation that takes a bearer token.
pub const INVALID_TOKEN: &str = "`invalid_token`: The bearer or refresh token is missing, unknown, revoked or (refresh) expired, or a rotated refresh token was replayed (which revokes its whole session family). `token_expired`: The access token is past its 900 s lifetime: refresh it.";

/// The `Idempotency-Key` header of every operation that acts once per key.
pub const IDEMPOTENCY_KEY: &str = "Makes the request safe to retry: the first successful answer for this key (per user) is kept 24 h, and a repeat with the same method, path and body gets it again, with `Idempotent-Replay: true`, without acting twice. Failed requests keep nothing.";

impl Modify for Shared {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer mca_<64 hex>` (the access token).",
                    ))
                    .build(),
            ),
        );
        components.responses.insert(
            "UriTooLong".into(),
            RefOr::T(error_response(
                &ApiError::UriTooLong,
                "The URI (path and query) is longer than 8 KiB.",
            )),
        );
        components.responses.insert(
            "HeadersTooLarge".into(),
            RefOr::T(error_response(
                &ApiError::HeadersTooLarge,
                "The request has more than 64 headers, or more than 32 KiB of them.",
            )),
        );
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_shared_answers(operation);
            }
        }
    }
}

fn add_shared_answers(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    let mut method_not_allowed = error_response(
        &ApiError::MethodNotAllowed,
        "The path exists but not with this method (the Allow header lists the methods it has).",
    );
    method_not_allowed.headers.insert(
        "Allow".into(),
        header(
            "The methods this path supports.",
            ObjectBuilder::new().schema_type(Type::String),
        ),
    );
    responses
        .entry("405".into())
        .or_insert(RefOr::T(method_not_allowed));
    responses
        .entry("414".into())
        .or_insert(RefOr::Ref(Ref::from_response_name("UriTooLong")));
    responses
        .entry("431".into())
        .or_insert(RefOr::Ref(Ref::from_response_name("HeadersTooLarge")));
    responses
        .entry("500".into())
        .or_insert(RefOr::T(error_response(
            &ApiError::Internal,
            "Unexpected server failure.",
        )));
    // `ApiError` sets these headers, the same way on every operation.
    for response in responses.values_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        add_error_examples(response);
        if let Some(retry_after) = response.headers.get_mut("Retry-After") {
            retry_after.schema = RefOr::T(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .into(),
            );
        }
        if let Some(authenticate) = response.headers.get_mut("WWW-Authenticate") {
            authenticate.schema = RefOr::T(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["Bearer"]))
                    .into(),
            );
        }
    }
    let dev_only = operation
        .tags
        .as_ref()
        .is_some_and(|tags| tags.iter().any(|tag| tag == DEV_TAG));
    if dev_only {
        operation.extensions = Some(ExtensionsBuilder::new().add("x-dev-only", true).build());
    }
}

/// An error answer in the API's JSON shape, described as ``"`code`: description"``.
fn error_response(error: &ApiError, description: &str) -> Response {
    let mut response = ResponseBuilder::new()
        .description(format!("`{}`: {description}", error.code()))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        )
        .build();
    add_error_examples(&mut response);
    response
}

/// Gives an `Error` answer one example per code its description names (`` `code`: when ``),
/// each the body the server sends for that error.
fn add_error_examples(response: &mut Response) {
    let codes = described_codes(&response.description);
    let Some(content) = response.content.get_mut("application/json") else {
        return;
    };
    let is_error =
        matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Error"));
    if !is_error {
        return;
    }
    let examples = ApiError::examples();
    for code in codes {
        if let Some(error) = examples.iter().find(|error| error.code() == code) {
            let value = serde_json::to_value(error.body()).expect("an error body serializes");
            content.examples.insert(
                code.to_owned(),
                RefOr::T(ExampleBuilder::new().value(Some(value)).build()),
            );
        }
    }
}

/// The codes a description names, in order: each `` `snake_case`: `` that starts a clause.
pub fn described_codes(description: &str) -> Vec<&str> {
    description
        .split('`')
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|pair| pair[1].starts_with(':'))
        .map(|pair| pair[0])
        .filter(|word| {
            !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
        .collect()
}

fn header(description: &str, schema: ObjectBuilder) -> Header {
    HeaderBuilder::new()
        .description(Some(description))
        .schema(schema)
        .build()
}
