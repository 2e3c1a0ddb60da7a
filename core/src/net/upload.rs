//! Uploads of large bodies (photos): progress reported as the bytes go out, and cancellation
//! the user asks for (a shell's cancelled coroutine does not stop the core's work).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use futures_util::stream;
use tokio::sync::Notify;

/// Small enough for smooth progress, large enough to cost nothing.
const CHUNK: usize = 64 * 1024;

/// Told how much of an upload has gone out.
#[cfg_attr(feature = "ffi", uniffi::export(foreign))]
pub trait UploadProgress: Send + Sync {
    fn progress(&self, sent_bytes: u64, total_bytes: u64);
}

/// Stops an upload when the user cancels it. Cancelling before the upload starts stops it
/// before any byte leaves.
#[derive(Debug, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Object))]
pub struct CancelToken {
    cancelled: AtomicBool,
    notify: Notify,
}

#[cfg_attr(feature = "ffi", uniffi::export)]
impl CancelToken {
    #[cfg_attr(feature = "ffi", uniffi::constructor)]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

impl CancelToken {
    /// Resolves once the token is cancelled.
    pub(crate) async fn cancelled(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// The body as a stream of chunks, reporting each one as the connection takes it.
pub(super) fn reporting_body(bytes: Bytes, progress: Arc<dyn UploadProgress>) -> reqwest::Body {
    let total = bytes.len() as u64;
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(CHUNK)
        .map(|start| bytes.slice(start..(start + CHUNK).min(bytes.len())))
        .collect();
    let mut sent = 0u64;
    let stream = futures_util::StreamExt::map(stream::iter(chunks), move |chunk| {
        sent += chunk.len() as u64;
        progress.progress(sent, total);
        Ok::<_, std::io::Error>(chunk)
    });
    reqwest::Body::wrap_stream(stream)
}
