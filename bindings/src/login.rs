use std::sync::Arc;

use medcircle_core::{Client, LoginEvent, LoginFlow, LoginScreen};

use crate::task::{TaskHandle, observe};

/// Follows a login screen: the first call carries the current screen, then every change.
#[uniffi::export(foreign)]
pub trait LoginScreenListener: Send + Sync {
    fn on_update(&self, screen: LoginScreen);
}

/// One login screen's state machine: events in, screens out.
#[derive(uniffi::Object)]
pub struct Login {
    client: Client,
    flow: Arc<LoginFlow>,
}

impl Login {
    pub(crate) fn new(client: Client, flow: Arc<LoginFlow>) -> Self {
        Self { client, flow }
    }
}

#[uniffi::export]
impl Login {
    /// Handles what the user did; the returned screen (also sent to observers) is what to
    /// render. Failures are in `screen.error`, never thrown. The event runs to its end even
    /// if the caller stops waiting.
    pub async fn send(&self, event: LoginEvent) -> LoginScreen {
        self.flow.send(event).await
    }

    pub fn screen(&self) -> LoginScreen {
        self.flow.screen()
    }

    pub fn observe_screen(&self, listener: Arc<dyn LoginScreenListener>) -> Arc<TaskHandle> {
        observe(&self.client, self.flow.updates(), move |screen| {
            listener.on_update(screen)
        })
    }
}
