//! The core's own tokio runtime. Every exported async call runs its work here, so a caller
//! that drops its future (a cancelled Kotlin coroutine) never cuts a write in half.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub(crate) struct CoreRuntime {
    runtime: Option<Runtime>,
    handle: Handle,
    /// How many background jobs (syncs, outbox flushes) and calls (exported calls, which go
    /// on when their caller stops waiting) are running.
    background: Arc<watch::Sender<usize>>,
}

/// Decrements the count when dropped: even if the job panics or the runtime drops it.
struct Counted(Arc<watch::Sender<usize>>);

impl Counted {
    fn start(count: &Arc<watch::Sender<usize>>) -> Counted {
        count.send_modify(|n| *n += 1);
        Counted(count.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
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
            background: Arc::new(watch::Sender::new(0)),
        })
    }

    /// Work nobody awaits (a sync, an outbox flush), counted so `idle` can wait for it.
    pub(crate) fn spawn_background<F>(&self, job: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let counted = Counted::start(&self.background);
        self.handle.spawn(async move {
            let _counted = counted;
            job.await;
        });
    }

    /// Waits until no background job or call runs, or `limit` passes. Not itself a call:
    /// spawn it, do not `run` it.
    pub(crate) async fn idle(&self, limit: Duration) {
        let mut count = self.background.subscribe();
        let _ = tokio::time::timeout(limit, count.wait_for(|n| *n == 0)).await;
    }

    /// Runs `work` here and waits for it; dropping the returned future does not stop it.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> T {
        // Boxed: one task type per result type rather than one per call site, which keeps
        // the library small (every distinct spawned future is a copy of the task machinery).
        let counted = Counted::start(&self.background);
        let work: std::pin::Pin<Box<dyn Future<Output = T> + Send>> = Box::pin(async move {
            let _counted = counted;
            work.await
        });
        match self.handle.spawn(work).await {
            Ok(value) => value,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("core task ended without a result: {error}"),
        }
    }

    /// Runs `job` after `delay` (a retry); the wait itself does not hold a closing client.
    pub(crate) fn spawn_timer(
        &self,
        delay: Duration,
        job: impl Future<Output = ()> + Send + 'static,
    ) {
        self.handle.spawn(async move {
            tokio::time::sleep(delay).await;
            job.await;
        });
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
