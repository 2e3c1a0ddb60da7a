//! Device information for safe operation (risk control): read from the shell's provider and
//! sent after a login, only to the risk endpoint — never before consent, never for analytics.

use serde::Serialize;

use super::AuthArea;
use crate::net::Endpoint;
use crate::shell::ProviderError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum DeviceOs {
    Android,
    Ios,
    Linux,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum NetworkType {
    Wifi,
    Cellular,
    Ethernet,
    None,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct DeviceInfo {
    pub model: String,
    pub os: DeviceOs,
    pub os_version: String,
    pub app_version: String,
    pub network_type: NetworkType,
    /// The mobile carrier's name, when on a cellular network.
    pub carrier: Option<String>,
}

/// Implemented by the shell: what the OS says about the device.
#[cfg_attr(feature = "ffi", uniffi::export(foreign))]
pub trait DeviceInfoProvider: Send + Sync {
    fn device_info(&self) -> Result<DeviceInfo, ProviderError>;
}

#[derive(Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    device: &'a DeviceInfo,
    install_id: &'a str,
}

fn clip(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// Sends the device report for the session just established; a failure is logged, never
/// fatal to the login.
impl AuthArea {
    /// Sends the device report for risk control, after a login (so after consent), to the
    /// risk endpoint only. Without a provider there is nothing to send.
    pub(super) async fn report_device(&self) {
        let provider = self
            .device_info
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(provider) = provider else {
            return;
        };
        let device = match provider.device_info() {
            Ok(info) => DeviceInfo {
                model: clip(&info.model, 64),
                os_version: clip(&info.os_version, 32),
                app_version: clip(&info.app_version, 32),
                carrier: info.carrier.map(|c| clip(&c, 64)).filter(|c| !c.is_empty()),
                ..info
            },
            Err(error) => {
                tracing::warn!(%error, "device information unavailable; no risk report");
                return;
            }
        };
        let install_id = match self.install_id() {
            Ok(id) => id,
            Err(error) => {
                tracing::warn!(%error, "no install id; no risk report");
                return;
            }
        };
        let request = Endpoint::RiskDevice.request().json(&Report {
            device: &device,
            install_id: &install_id,
        });
        if let Err(error) = self.account.send(&request).await {
            tracing::warn!(%error, "risk report not delivered");
        }
    }
}
