use std::sync::Arc;

use medcircle_core::{Client, Updates};
use tokio::task::AbortHandle;

/// A running observer. Cancelling it, or dropping the last reference, stops it.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    abort: AbortHandle,
}

#[uniffi::export]
impl TaskHandle {
    pub fn cancel(&self) {
        self.abort.abort();
    }

    pub fn is_finished(&self) -> bool {
        self.abort.is_finished()
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

/// The one way anything is observed: `deliver` gets the current value first, then every
/// change, on the core's runtime, until the handle is cancelled or dropped.
pub(crate) fn observe<T: Send + 'static>(
    client: &Client,
    mut updates: Updates<T>,
    deliver: impl Fn(T) + Send + 'static,
) -> Arc<TaskHandle> {
    let task = client.spawn(async move {
        while let Some(value) = updates.next().await {
            deliver(value);
        }
    });
    Arc::new(TaskHandle {
        abort: task.abort_handle(),
    })
}
