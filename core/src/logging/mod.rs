//! tracing, forwarded to the platform logger (logcat, os_log) through one [`LogSink`] the
//! shell implements. Every line passes [`redact`] before it leaves the core.

mod redact;

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Once, RwLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

pub use redact::redact;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<&Level> for LogLevel {
    fn from(level: &Level) -> Self {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            Level::TRACE => LogLevel::Trace,
        }
    }
}

/// Implemented by the shell: receives finished, redacted log lines.
#[cfg_attr(feature = "ffi", uniffi::export(foreign))]
pub trait LogSink: Send + Sync {
    fn log(&self, level: LogLevel, target: String, message: String);
}

type Installed = (Arc<dyn LogSink>, LogLevel);

static SINK: RwLock<Option<Installed>> = RwLock::new(None);
static SUBSCRIBER: Once = Once::new();

/// Sends the core's log lines at `max_level` and above to `sink`, replacing any earlier sink.
/// If the host process already installed a global tracing subscriber, that one keeps the
/// events and the sink receives nothing.
pub fn install(sink: Arc<dyn LogSink>, max_level: LogLevel) {
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = Some((sink, max_level));
    SUBSCRIBER.call_once(|| {
        let subscriber = Registry::default().with(ForwardLayer);
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

struct ForwardLayer;

impl<S: Subscriber> Layer<S> for ForwardLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = LogLevel::from(event.metadata().level());
        let Some((sink, max)) = SINK.read().unwrap_or_else(|p| p.into_inner()).clone() else {
            return;
        };
        if level > max {
            return;
        }
        let mut line = LineBuilder::default();
        event.record(&mut line);
        let message = redact(&line.finish()).into_owned();
        let target = event.metadata().target().to_string();
        // A failing platform logger must never take the app down.
        let _ = catch_unwind(AssertUnwindSafe(|| sink.log(level, target, message)));
    }
}

#[derive(Default)]
struct LineBuilder {
    message: String,
    fields: String,
}

impl LineBuilder {
    fn finish(self) -> String {
        if self.fields.is_empty() {
            self.message
        } else {
            format!("{}{}", self.message, self.fields)
        }
    }
}

impl Visit for LineBuilder {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}
