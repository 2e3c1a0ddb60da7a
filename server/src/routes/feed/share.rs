//! `POST /v1/posts/{id}/share` and the public landing page `GET /p/{code}` it links to.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::idempotency::Reply;
use crate::feed::share::{self, By};

use super::{Mutation, id};

#[derive(Serialize, ToSchema)]
#[schema(as = ShareLink)]
struct Link {
    /// A path on this server: the server does not know the address clients reach it by.
    #[schema(examples("/p/q1w2e3r4t5y6u7i8"))]
    url: String,
    text: String,
}

#[utoipa::path(
    post,
    path = "/v1/posts/{id}/share",
    operation_id = "sharePost",
    tag = "feed",
    summary = "Share a post",
    description = "A link to the post's public page and a text to share it with. The link is made the first time the post is shared and stays the same; it stops working when the post is deleted. Any member who can read the post may share it; the public page shows its text only if the author set `public_share`.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    responses(
        (status = 200, description = "The link and text.", body = Link, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn share(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let post_id = id(path, ApiError::PostNotFound)?;
    session
        .once(&[], |tx, _, _| {
            // Members may share any post they can read; only the author can make it public.
            let post = share::find(tx, By::Post(&post_id))?.ok_or(ApiError::PostNotFound)?;
            let code = share::code(tx, &post_id)?;
            let link = Link {
                url: format!("/p/{code}"),
                text: post.caption(),
            };
            Ok(Reply::json(StatusCode::OK, &link))
        })
        .await
}

/// Public: anyone with the link sees the post's author, and its text (never its photos) if
/// the author allowed public sharing; otherwise a teaser that opens the app.
#[utoipa::path(
    get,
    path = "/p/{code}",
    operation_id = "getSharedPost",
    tag = "feed",
    summary = "A shared post's public page",
    description = "A minimal HTML page for anyone with the link (no session): the author and, if the author allowed public sharing (`public_share`), the post's text; otherwise a teaser with a `medcircle://p/{code}` link that opens the app. Never the photos.",
    params(
        ("code" = String, Path, description = "The code of a share link.", pattern = "^[A-Za-z0-9_-]{16}$")
    ),
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String),
        (status = 404, description = "No post is shared with this code, or it was deleted: an HTML page saying so.", content_type = "text/html", body = String)
    )
)]
pub async fn landing(
    State(state): State<Shared>,
    path: Result<Path<String>, PathRejection>,
) -> Result<(StatusCode, Html<String>), ApiError> {
    let (code, found) = match path {
        Ok(Path(code)) => {
            let found = share::find(&*state.db().await, By::Code(&code))?;
            (code, found)
        }
        Err(_) => (String::new(), None),
    };
    Ok(match found {
        Some(post) => {
            let title = format!("{} on MedCircle", escape(&post.author));
            let body = match &post.text {
                Some(text) => format!("<p>{}</p>", escape(text).replace('\n', "<br>")),
                None => format!(
                    "<p>This post is for MedCircle members.</p>\n\
                     <p><a href=\"medcircle://p/{}\">Open it in the MedCircle app</a></p>",
                    escape(&code)
                ),
            };
            (StatusCode::OK, page(&title, &body))
        }
        None => (
            StatusCode::NOT_FOUND,
            page("MedCircle", "<p>This post is no longer available.</p>"),
        ),
    })
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    ))
}

/// Text as HTML: posts are user input, and this page is served to anyone.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<script>alert("x&'y")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;"
        );
    }
}
