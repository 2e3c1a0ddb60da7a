use std::sync::Arc;

use medcircle_core::Client;
use tokio::sync::watch;
use tokio::task::AbortHandle;

/// A running observer. Cancelling it, or dropping the last reference, stops it.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    abort: AbortHandle,
}

impl TaskHandle {
    pub(crate) fn new(abort: AbortHandle) -> Self {
        Self { abort }
    }
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

/// Hands `deliver` the current value now, then every change, until the handle stops it.
pub(crate) fn observe<T: Clone + Send + Sync + 'static>(
    client: &Client,
    mut updates: watch::Receiver<T>,
    deliver: impl Fn(T) + Send + 'static,
) -> Arc<TaskHandle> {
    let task = client.spawn(async move {
        loop {
            let value = updates.borrow_and_update().clone();
            deliver(value);
            if updates.changed().await.is_err() {
                break;
            }
        }
    });
    Arc::new(TaskHandle::new(task.abort_handle()))
}
