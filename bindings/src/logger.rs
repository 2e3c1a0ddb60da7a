use std::sync::Arc;

use medcircle_core::{LogLevel, LogSink};

/// Routes the core's (already redacted) log lines to the platform logger.
#[uniffi::export]
pub fn set_logger(sink: Arc<dyn LogSink>, max_level: LogLevel) {
    medcircle_core::logging::install(sink, max_level);
}
