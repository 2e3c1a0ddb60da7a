//! Whether the current privacy policy has been accepted: read by the network layer before
//! every request, written only by the consent flow.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone, Default)]
pub(crate) struct ConsentGate(Arc<AtomicBool>);

impl ConsentGate {
    pub(crate) fn is_open(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn set_open(&self, open: bool) {
        self.0.store(open, Ordering::SeqCst);
    }
}
