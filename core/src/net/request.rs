//! A request, built once and sent by [`Net::send`](super::Net::send) (or by the account layer,
//! which adds the session's token and may send it twice around a refresh: a request is cheap
//! to send again, its body already encoded).

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::{CancelToken, Endpoint, NetError, UploadProgress};

/// The body and its media type.
#[derive(Clone)]
pub(crate) struct Body {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Bytes,
}

/// Progress and cancellation of an upload the user watches.
#[derive(Clone)]
pub(crate) struct Upload {
    pub(crate) progress: Arc<dyn UploadProgress>,
    pub(crate) cancel: Arc<CancelToken>,
}

#[derive(Clone)]
pub(crate) struct Request {
    pub(crate) endpoint: Endpoint,
    pub(crate) id: Option<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) if_none_match: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) upload: Option<Upload>,
    /// A login provider's URL, for an external endpoint.
    pub(crate) url: Option<Url>,
}

impl Endpoint {
    /// A request to this endpoint, to complete and send.
    pub(crate) fn request(self) -> Request {
        Request {
            endpoint: self,
            id: None,
            query: Vec::new(),
            body: None,
            if_none_match: None,
            idempotency_key: None,
            upload: None,
            url: None,
        }
    }
}

impl Request {
    /// The resource the path names (`{id}`): one path segment, encoded.
    pub(crate) fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    /// A query parameter, encoded: user input never becomes part of the URL's syntax.
    pub(crate) fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub(crate) fn json(mut self, body: &(impl Serialize + ?Sized)) -> Self {
        let bytes = serde_json::to_vec(body).expect("request bodies are plain data");
        self.body = Some(Body {
            content_type: "application/json",
            bytes: bytes.into(),
        });
        self
    }

    /// A form body (a login provider's token endpoint).
    pub(crate) fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body = Some(Body {
            content_type: "application/x-www-form-urlencoded",
            bytes: encoded.into(),
        });
        self
    }

    /// A raw body (an image), with progress and cancellation.
    pub(crate) fn upload(
        mut self,
        content_type: &'static str,
        bytes: Bytes,
        upload: Upload,
    ) -> Self {
        self.body = Some(Body {
            content_type,
            bytes,
        });
        self.upload = Some(upload);
        self
    }

    /// Conditional: the server answers 304 when what the client holds is current.
    pub(crate) fn if_none_match(mut self, etag: Option<&str>) -> Self {
        self.if_none_match = etag.map(str::to_string);
        self
    }

    /// The server does a repeat with the same key once.
    pub(crate) fn idempotency_key(mut self, key: &str) -> Self {
        self.idempotency_key = Some(key.to_string());
        self
    }

    /// Where an external endpoint (a login provider's) is.
    pub(crate) fn at(mut self, url: Url) -> Self {
        self.url = Some(url);
        self
    }

    /// The absolute URL under `base` (or the external one).
    pub(crate) fn url(&self, base: &Url) -> Result<Url, NetError> {
        let route = self.endpoint.route();
        let mut url = match (&self.url, route.external) {
            (Some(url), true) => url.clone(),
            (None, true) => return Err(NetError::Malformed("no provider URL".into())),
            (_, false) => {
                let (head, tail) = match (route.id_parts(), &self.id) {
                    (Some((head, tail)), Some(_)) => (head, tail),
                    (None, None) => (route.path, ""),
                    _ => return Err(NetError::Malformed("path id mismatch".into())),
                };
                let mut url = base
                    .join(head.trim_start_matches('/').trim_end_matches('/'))
                    .map_err(|e| NetError::Malformed(format!("url: {e}")))?;
                if let Some(id) = &self.id {
                    let mut segments = url
                        .path_segments_mut()
                        .map_err(|()| NetError::Malformed("url cannot take a path".into()))?;
                    segments.push(id);
                    segments.extend(tail.split('/').filter(|s| !s.is_empty()));
                }
                url
            }
        };
        if !self.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(self.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }
}

/// A successful answer: its body, or that what the client holds is still current.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) not_modified: bool,
    pub(crate) etag: Option<String>,
    pub(crate) bytes: Vec<u8>,
}

impl Answer {
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, NetError> {
        serde_json::from_slice(&self.bytes).map_err(|e| NetError::Malformed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://api.example/").unwrap()
    }

    #[test]
    fn ids_become_one_encoded_segment_in_their_place() {
        let url = Endpoint::PostComments
            .request()
            .id("p/../1 ?#")
            .query("limit", "50")
            .url(&base())
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.example/v1/posts/p%2F..%2F1%20%3F%23/comments?limit=50"
        );
        let plain = Endpoint::Feed.request().url(&base()).unwrap();
        assert_eq!(plain.as_str(), "https://api.example/v1/feed");
    }

    #[test]
    fn an_id_where_the_path_names_none_is_refused_and_the_reverse() {
        assert!(Endpoint::Feed.request().id("x").url(&base()).is_err());
        assert!(Endpoint::Post.request().url(&base()).is_err());
    }

    #[test]
    fn a_base_with_a_path_keeps_it() {
        let base = Url::parse("https://example/api/").unwrap();
        let url = Endpoint::Post.request().id("p1").url(&base).unwrap();
        assert_eq!(url.as_str(), "https://example/api/v1/posts/p1");
    }
}
