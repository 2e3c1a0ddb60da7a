//! The one shape of everything that changes over time: a stream whose first item is the
//! current value (for a list, a reset), then every change. It owns its data, so a shell's
//! listener can hold it as long as it likes; dropping it stops it.

use std::future::Future;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::watch;

pub struct Updates<T>(BoxStream<'static, T>);

impl<T: Send + 'static> Updates<T> {
    /// The next value; none once the client is gone.
    pub async fn next(&mut self) -> Option<T> {
        self.0.next().await
    }

    /// Runs `prepare` once before the first value (e.g. reading the cache into the watched
    /// value), then follows `receiver`: its current value, then each change.
    pub(crate) fn watching<P>(receiver: watch::Receiver<T>, prepare: P) -> Updates<T>
    where
        T: Clone + Sync,
        P: Future<Output = ()> + Send + 'static,
    {
        Self::deriving(receiver, prepare, |receiver| {
            Some(receiver.borrow_and_update().clone())
        })
    }

    /// As [`Updates::watching`], each value made by `step` from the watched one (and what the
    /// subscriber saw before, which `step` keeps: a diff); a change that makes none is skipped.
    pub(crate) fn deriving<S, P, F>(receiver: watch::Receiver<S>, prepare: P, step: F) -> Updates<T>
    where
        S: Send + Sync + 'static,
        P: Future<Output = ()> + Send + 'static,
        F: FnMut(&mut watch::Receiver<S>) -> Option<T> + Send + 'static,
    {
        let start = (receiver, Some(prepare), step);
        let stream =
            futures_util::stream::unfold(start, |(mut receiver, prepare, mut step)| async move {
                let mut first = false;
                if let Some(prepare) = prepare {
                    prepare.await;
                    first = true;
                }
                loop {
                    if !first && receiver.changed().await.is_err() {
                        return None;
                    }
                    first = false;
                    if let Some(value) = step(&mut receiver) {
                        return Some((value, (receiver, None, step)));
                    }
                }
            });
        Updates(stream.boxed())
    }
}
