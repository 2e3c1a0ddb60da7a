use std::sync::Arc;

use medcircle_core::{Client, LoginEvent, LoginFlow, LoginScreen};

use crate::task::{TaskHandle, observe};

/// Implemented by the shell's login screen: the first call carries the current screen.
#[uniffi::export(foreign)]
pub trait LoginListener: Send + Sync {
    fn on_screen(&self, screen: LoginScreen);
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
    /// render. Failures are in `screen.error`, never thrown.
    pub async fn send(&self, event: LoginEvent) -> LoginScreen {
        self.flow.send(event).await
    }

    pub fn screen(&self) -> LoginScreen {
        self.flow.screen()
    }

    pub fn observe(&self, listener: Arc<dyn LoginListener>) -> Arc<TaskHandle> {
        observe(&self.client, self.flow.updates(), move |screen| {
            listener.on_screen(screen)
        })
    }
}
