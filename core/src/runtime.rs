//! The core's own tokio runtime. Every exported async call runs its work here, so a caller
//! that drops its future (a cancelled Kotlin coroutine) never cuts a write in half.

use std::future::Future;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

pub(crate) struct CoreRuntime {
    runtime: Option<Runtime>,
    handle: Handle,
}

impl CoreRuntime {
    pub(crate) fn new() -> std::io::Result<Self> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("medcircle-core")
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        Ok(Self {
            runtime: Some(runtime),
            handle,
        })
    }

    pub(crate) fn spawn_blocking<F, R>(&self, work: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(work)
    }

    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }
}

impl Drop for CoreRuntime {
    fn drop(&mut self) {
        // A blocking shutdown panics when the last client handle is dropped inside an async
        // context (a test, a foreign executor): let the workers wind down in the background.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
