//! The OpenAPI document, generated from the handlers: each handler carries its
//! `#[utoipa::path]` (method, path, parameters, statuses and their error codes) and the types
//! it takes and returns derive `ToSchema`. What every operation shares is added once, in `shared`.

pub mod fields;
mod shared;

pub(crate) use shared::{IDEMPOTENCY_KEY, INVALID_TOKEN};

use utoipa::OpenApi;

use shared::Shared;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MedCircle API",
        version = "0.1.0",
        description = "The contract between the MedCircle app's client core and its backend, as implemented by the reference server (medcircle-server).\n\nBodies are JSON (UTF-8). Every error, including framework rejections, has a 4xx/5xx status and the body `{\"error\":{\"code\":\"<snake_case>\",\"message\":\"<text>\", ...extra}}` (schema `Error`). Generic errors on any endpoint: malformed JSON → 400 `malformed_json`; missing fields or wrong types → 422 `invalid_request`; body over 64 KiB → 413 `body_too_large`; JSON endpoint without `Content-Type: application/json` → 415 `unsupported_media_type`; unknown path → 404 `not_found`; wrong method → 405 `method_not_allowed`.\n\nOperations marked `x-dev-only: true` (tag `dev`) exist only when the server runs with `--dev`."
    ),
    servers((url = "http://127.0.0.1:8080", description = "A local reference server")),
    tags(
        (name = "policy", description = "The privacy policy, fetched before consent."),
        (name = "auth", description = "SMS code and carrier one-tap login, and sessions."),
        (name = "consent", description = "Consent history and deletion requests, kept with the account."),
        (name = "interests", description = "Interest tags for personalisation."),
        (name = "events", description = "Pseudonymous browsing and click records, never linked to an account."),
        (name = "account", description = "The logged-in user."),
        (name = "certification", description = "Physician certification: certificate photos, the resident ID number, review status."),
        (name = "dictionaries", description = "Server dictionaries (units and their departments) the account is completed from."),
        (name = "risk", description = "Device information for risk control, linked to the account."),
        (name = "security", description = "The account's sessions, signing them out, security notices and the minimum app version."),
        (name = "web", description = "Scan-to-login: a logged-in phone confirms a browser's login."),
        (name = "feed", description = "Posts with photos, comments, likes, collections, search and share links."),
        (name = "mall", description = "Wheat grains (points), the goods they redeem, the address book, redemption orders and their delivery."),
        (name = "help", description = "The help center: articles, feedback with photos, tickets and their replies."),
        (name = "shop", description = "The catalogue, orders paid with Alipay or WeChat Pay, the gateways' notifications, and what paid orders give."),
        (name = "meta", description = "This document."),
        (name = "dev", description = "Test hooks; only with --dev."),
    ),
    paths(
        crate::routes::openapi::get,
        crate::routes::policy::get,
        crate::routes::sms::send,
        crate::routes::sms::verify,
        crate::routes::one_tap::log_in,
        crate::routes::oauth::log_in,
        crate::routes::oauth_code::log_in,
        crate::routes::reauth::send,
        crate::routes::reauth::verify,
        crate::routes::session::refresh,
        crate::routes::session::logout,
        crate::routes::session::me,
        crate::routes::account::delete,
        crate::routes::profile::put,
        crate::routes::account::export,
        crate::routes::certification::upload_photo,
        crate::routes::certification::submit,
        crate::routes::certification::get,
        crate::routes::certification::id_number,
        crate::routes::consents::put,
        crate::routes::consents::get,
        crate::routes::deletion_requests::create,
        crate::routes::deletion_requests::list,
        crate::routes::interests::list,
        crate::routes::interests::delete_all,
        crate::routes::interests::delete_one,
        crate::routes::dictionaries::units,
        crate::routes::dictionaries::departments,
        crate::routes::events::record,
        crate::routes::events::forget,
        crate::routes::risk::report_device,
        crate::routes::security::sessions,
        crate::routes::security::revoke,
        crate::routes::security::revoke_others,
        crate::routes::security::notices,
        crate::routes::security::minimum,
        crate::routes::web_login::page,
        crate::routes::web_login::start,
        crate::routes::web_login::me,
        crate::routes::web_login::status,
        crate::routes::web_login::details,
        crate::routes::web_login::confirm,
        crate::routes::web_login::decline,
        crate::routes::feed::posts::limits,
        crate::routes::feed::posts::feed,
        crate::routes::feed::posts::create,
        crate::routes::feed::posts::get,
        crate::routes::feed::posts::delete,
        crate::routes::feed::photos::upload,
        crate::routes::feed::photos::get,
        crate::routes::feed::comments::list,
        crate::routes::feed::comments::create,
        crate::routes::feed::comments::delete,
        crate::routes::feed::reactions::like,
        crate::routes::feed::reactions::unlike,
        crate::routes::feed::reactions::collect,
        crate::routes::feed::reactions::uncollect,
        crate::routes::feed::reactions::collections,
        crate::routes::feed::share::share,
        crate::routes::feed::share::landing,
        crate::routes::feed::search::search,
        crate::routes::dev::outbox,
        crate::routes::dev::advance_clock,
        crate::routes::dev::requests,
        crate::routes::dev::events,
        crate::routes::dev::publish_policy,
        crate::routes::dev::carrier_token,
        crate::routes::dev::risk_devices,
        crate::routes::dev_oidc::metadata,
        crate::routes::dev_oidc::authorize,
        crate::routes::dev_oidc::token,
        crate::routes::dev_oidc::jwks,
        crate::routes::dev_oidc::mint,
        crate::routes::dev_wechat::authorize,
        crate::routes::dev_wechat::access_token,
        crate::routes::dev_wechat::userinfo,
        crate::routes::dev_wechat::calls,
        crate::routes::certification::dev_decide,
        crate::routes::certification::dev_list,
        crate::routes::dev::reset,
        crate::routes::feed::dev::stats,
        crate::routes::feed::dev::delete_post,
        crate::routes::security::dev_publish,
        crate::routes::security::dev_minimum_version,
        crate::routes::mall::points,
        crate::routes::mall::check_in,
        crate::routes::mall::items,
        crate::routes::mall::item,
        crate::routes::mall::addresses,
        crate::routes::mall::add_address,
        crate::routes::mall::set_default_address,
        crate::routes::mall::delete_address,
        crate::routes::mall::redemptions,
        crate::routes::mall::redeem,
        crate::routes::mall::cancel,
        crate::routes::dev_mall::add_item,
        crate::routes::dev_mall::grant,
        crate::routes::dev_mall::ship,
        crate::routes::dev_mall::deliver,
        crate::routes::help::list,
        crate::routes::help::article,
        crate::routes::help::upload_photo,
        crate::routes::help::feedback,
        crate::routes::help::list_tickets,
        crate::routes::help::read_ticket,
        crate::routes::dev_help::tickets,
        crate::routes::dev_help::reply,
        crate::routes::dev_help::close,
        crate::routes::purchases::products,
        crate::routes::purchases::create,
        crate::routes::purchases::list,
        crate::routes::purchases::get,
        crate::routes::purchases::report,
        crate::routes::purchases::entitlements,
        crate::routes::purchases::alipay_notify,
        crate::routes::purchases::wechat_notify,
        crate::routes::dev_pay::sdk,
        crate::routes::dev_pay::notify,
        crate::routes::dev_pay::refund,
        crate::routes::dev_pay::outage,
        crate::routes::dev_pay::security_events,
        crate::routes::dev_pay::keys,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&Shared),
)]
pub struct ApiDoc;

/// The document, as `GET /openapi.json` serves it.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the document serializes")
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::RefOr;

    use super::*;
    use crate::error::ApiError;

    /// Every error code an answer's description names is one the server sends with that
    /// status, and so has its example.
    #[test]
    fn every_described_error_code_is_sent_with_its_status() {
        let document = ApiDoc::openapi();
        let errors = ApiError::examples();
        let mut checked = 0;
        for (path, item) in &document.paths.paths {
            for operation in [&item.get, &item.put, &item.post, &item.delete]
                .into_iter()
                .flatten()
            {
                for (status, response) in &operation.responses.responses {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let Some(content) = response.content.get("application/json") else {
                        continue;
                    };
                    let is_error = matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Error"));
                    if !is_error {
                        continue;
                    }
                    for code in shared::described_codes(&response.description) {
                        let error = errors.iter().find(|error| error.code() == code);
                        let error = error.unwrap_or_else(|| panic!("{path} {status}: `{code}`"));
                        assert_eq!(error.status().as_str(), status, "{path}: `{code}`");
                        assert!(
                            content.examples.contains_key(code),
                            "{path} {status}: `{code}`"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 300, "{checked}");
    }

    /// The derive's bounds are literals: they must be the constants the server enforces.
    #[test]
    fn bounds_are_the_limits_the_server_enforces() {
        use crate::feed::limits;

        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let schema = |name: &str, field: &str| {
            document["components"]["schemas"][name]["properties"][field].clone()
        };
        for name in ["Post", "PostCreate"] {
            assert_eq!(schema(name, "text")["maxLength"], limits::MAX_TEXT_CHARS);
        }
        assert_eq!(
            schema("Post", "photos")["maxItems"],
            limits::MAX_PHOTOS_PER_POST
        );
        assert_eq!(
            schema("PostCreate", "photo_ids")["maxItems"],
            limits::MAX_PHOTOS_PER_POST
        );
        for name in ["Comment", "CommentCreate"] {
            assert_eq!(schema(name, "text")["maxLength"], limits::MAX_COMMENT_CHARS);
        }
        for side in ["width", "height"] {
            assert_eq!(
                schema("Photo", side)["maximum"],
                limits::MAX_PHOTO_DIMENSION
            );
        }
        assert_eq!(
            schema("CertificationPhoto", "size")["maximum"],
            crate::certification::image::MAX_BYTES
        );
        {
            use medcircle_rules::address::{MAX_NAME_CHARS, MAX_REGION_CHARS, MAX_STREET_CHARS};
            assert_eq!(
                schema("NewAddress", "recipient_name")["maxLength"],
                MAX_NAME_CHARS
            );
            for field in ["province", "city", "district"] {
                assert_eq!(schema("NewAddress", field)["maxLength"], MAX_REGION_CHARS);
            }
            assert_eq!(
                schema("NewAddress", "street")["maxLength"],
                MAX_STREET_CHARS
            );
        }
        let mut limits_seen = 0;
        for item in document["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let parameters = operation["parameters"].as_array().into_iter().flatten();
                for parameter in parameters {
                    let schema = &parameter["schema"];
                    match parameter["name"].as_str().unwrap() {
                        "limit" => {
                            assert_eq!(schema["minimum"], 1);
                            assert_eq!(schema["maximum"], crate::limit::MAX);
                            assert_eq!(schema["default"], crate::limit::DEFAULT);
                            limits_seen += 1;
                        }
                        "q" if parameter["required"] == true => {
                            let max = medcircle_rules::text::MAX_SEARCH_CHARS;
                            assert_eq!(schema["maxLength"], max);
                        }
                        _ => {}
                    }
                }
            }
        }
        // The mall's catalogue is the sixth paged list.
        assert_eq!(limits_seen, 5 + 1);
    }
}
