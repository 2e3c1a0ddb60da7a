//! `POST /v1/posts/{id}/share` and the public landing page `GET /p/{code}` it links to.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use serde::Serialize;

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::idempotency::Reply;
use crate::feed::share::{self, By};

use super::{Mutation, id};

#[derive(Serialize)]
struct Link {
    /// A path on this server: the server does not know the address clients reach it by.
    url: String,
    text: String,
}

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
