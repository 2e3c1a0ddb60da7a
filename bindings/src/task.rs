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
