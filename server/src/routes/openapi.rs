//! `GET /openapi.json`: the contract document, generated from the handlers (`crate::openapi`).

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;

#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenApi",
    tag = "meta",
    summary = "This document",
    description = "The OpenAPI 3.1 document of this API.",
    responses(
        (status = 200, description = "The document.", body = Object)
    )
)]
pub async fn get() -> impl IntoResponse {
    static DOCUMENT: LazyLock<String> = LazyLock::new(crate::openapi::document);
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}
