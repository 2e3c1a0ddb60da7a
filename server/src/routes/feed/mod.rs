//! The feed's routes: posts, photos, comments, likes and collections, search, share links,
//! the published limits, and the dev hooks.

pub mod comments;
pub mod dev;
pub mod photos;
pub mod posts;
pub mod reactions;
pub mod search;
pub mod share;

use std::convert::Infallible;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri};
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::idempotency::{self, Idempotency, Reply};
use crate::feed::pages::Window;
use crate::routes::session::caller;

/// `?cursor=&limit=` of a paged list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `next_cursor` of the previous page; absent or empty for the first page. Opaque. Pages are keyed on the last item shown, so items added meanwhile neither shift nor repeat the following pages.
    cursor: Option<String>,
    /// At most this many items: a whole number from 1 to 50 (default 20). Anything else (0, 51, -1, ten) is 422 `invalid_request`, on every list alike.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
}

impl PageQuery {
    pub(crate) fn window(&self) -> Result<Window, ApiError> {
        Window::parse(self.cursor.as_deref(), self.limit.as_deref())
    }
}

/// The `{id}` of a path; only a segment that is not valid UTF-8 is rejected, and no id is such.
pub(crate) fn id(
    path: Result<Path<String>, PathRejection>,
    missing: ApiError,
) -> Result<String, ApiError> {
    path.map(|Path(id)| id).map_err(|_| missing)
}

pub(crate) fn bad_query(_: QueryRejection) -> ApiError {
    ApiError::InvalidRequest("a query parameter has the wrong type".into())
}

/// A write's request (the feed's, the help center's): the caller's token and what its `Idempotency-Key` is bound to.
pub struct Mutation {
    pub(crate) state: Shared,
    pub(crate) headers: HeaderMap,
    method: Method,
    uri: Uri,
}

impl FromRequestParts<Shared> for Mutation {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Infallible> {
        Ok(Mutation {
            state: state.clone(),
            headers: parts.headers.clone(),
            method: parts.method.clone(),
            uri: parts.uri.clone(),
        })
    }
}

impl Mutation {
    /// Authenticates the caller with a reading connection. Handlers call this before
    /// reading their path or body, so a request without a valid token is 401 whatever else is
    /// wrong.
    pub(crate) async fn authenticate(&self) -> Result<Session<'_>, ApiError> {
        let now = self.state.clock.now();
        let user = caller(&*self.state.db().await, &self.headers, now)?.user_id;
        Ok(Session {
            request: self,
            user,
            now,
        })
    }
}

/// An authenticated write, to be done with the writing connection.
pub(crate) struct Session<'a> {
    request: &'a Mutation,
    user: String,
    now: i64,
}

impl Session<'_> {
    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    /// Runs `action(tx, user, now)` once per idempotency key (see `idempotency::once`) with
    /// the writing connection, held for that only; `body` is each part of the request that a
    /// repeat must send identically.
    pub(crate) async fn once(
        self,
        body: &[&[u8]],
        action: impl FnOnce(&Transaction<'_>, &str, i64) -> Result<Reply, ApiError>,
    ) -> Result<Reply, ApiError> {
        let request = self.request;
        let key = Idempotency::of(&request.headers, &request.method, request.uri.path(), body)?;
        let (user, now) = (&self.user, self.now);
        let mut conn = request.state.writer().await;
        idempotency::once(&mut conn, user, key, now, |tx| action(tx, user, now))
    }
}

/// A JSON body as its idempotency fingerprint: the parsed body is the request, so the same
/// one sent with other spacing is a repeat.
pub(crate) fn canonical(body: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|_| ApiError::Internal)
}
