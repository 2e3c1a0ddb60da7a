//! Writing feedback: the text required, up to four photos (only when the permission gate
//! allows `FeedbackPhotos`; refusing leaves text feedback working) checked and stripped of
//! their metadata as post photos are, an optional contact number checked by the shared rule,
//! and the app and OS version only when the user agreed to attach them. Then into the outbox
//! and out.

use std::sync::Arc;

use super::outbox::{self, Waiting};
use super::{HelpArea, HelpError};
use crate::net::{CancelToken, Upload, UploadProgress};
use crate::policy::Feature;
use crate::store::settings;
use medcircle_rules::{image, phone, text};

pub(super) const MAX_TEXT_CHARS: usize = 2000;
pub(super) const MAX_PHOTOS: usize = 4;
/// The server's limits for a photo (as for post photos).
const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
const MAX_PHOTO_DIMENSION: u32 = 4096;
const MAX_VERSION_CHARS: usize = 32;

/// What the user filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct FeedbackForm {
    pub text: String,
    /// JPEG or PNG bytes the user picked, after the permission gate allowed `FeedbackPhotos`.
    pub photos: Vec<Vec<u8>>,
    /// A mainland mobile number to be called back on.
    pub contact: Option<String>,
    /// Only when the user agreed, in the form, to attach the app and OS version.
    pub device: Option<DeviceVersions>,
}

/// The app and OS version, as the shell reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct DeviceVersions {
    pub app_version: String,
    pub os_version: String,
}

fn checked_text(text: &str) -> Result<String, HelpError> {
    let length = text.chars().count();
    if text.trim().is_empty() {
        return Err(HelpError::InvalidText {
            reason: "write what happened first".into(),
        });
    }
    if !text::is_visible_paragraph(text) {
        return Err(HelpError::InvalidText {
            reason: "write something visible, without control or direction characters".into(),
        });
    }
    if length > MAX_TEXT_CHARS {
        return Err(HelpError::InvalidText {
            reason: format!("at most {MAX_TEXT_CHARS} characters ({length} now)"),
        });
    }
    Ok(text.to_string())
}

/// The photo's type and its bytes without metadata (a position or a camera serial never
/// leaves the phone with it), as for post photos.
fn checked_photo(bytes: &[u8]) -> Result<(&'static str, Vec<u8>), HelpError> {
    let kind = image::ImageType::of(bytes).ok_or(HelpError::UnsupportedImage)?;
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(HelpError::ImageTooLarge {
            limit_bytes: MAX_PHOTO_BYTES as u64,
        });
    }
    let (width, height) = image::dimensions(bytes).ok_or(HelpError::UnsupportedImage)?;
    if width.max(height) > MAX_PHOTO_DIMENSION {
        return Err(HelpError::ImageDimensionsTooLarge {
            max_px: MAX_PHOTO_DIMENSION,
        });
    }
    let clean = image::strip(bytes).map_err(|_| HelpError::UnsupportedImage)?;
    Ok((kind.media_type(), clean))
}

fn checked_version(version: &str) -> String {
    text::display_line(version, MAX_VERSION_CHARS)
}

impl HelpArea {
    /// The form as it will wait in the outbox, or why it cannot.
    fn checked(&self, form: FeedbackForm) -> Result<Waiting, HelpError> {
        let text = checked_text(&form.text)?;
        if form.photos.len() > MAX_PHOTOS {
            return Err(HelpError::TooManyPhotos {
                max: MAX_PHOTOS as u32,
            });
        }
        if !form.photos.is_empty() && !self.permissions.allowed(Feature::FeedbackPhotos) {
            return Err(HelpError::PhotoPermissionRequired);
        }
        let photos = form
            .photos
            .iter()
            .map(|photo| checked_photo(photo))
            .collect::<Result<Vec<_>, _>>()?;
        let contact = form
            .contact
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| {
                phone::mainland_mobile(c).map_err(|e| HelpError::InvalidContact {
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        let device = form
            .device
            .map(|d| {
                (
                    checked_version(&d.app_version),
                    checked_version(&d.os_version),
                )
            })
            .filter(|(app, os)| !app.is_empty() && !os.is_empty());
        Ok(Waiting {
            key: settings::random_hex(),
            text,
            contact,
            device,
            photos,
        })
    }

    pub(super) async fn send_feedback(
        self: &Arc<Self>,
        form: FeedbackForm,
        progress: Arc<dyn UploadProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<super::FeedbackReceipt, HelpError> {
        let waiting = self.checked(form)?;
        let key = waiting.key.clone();
        // Before it is queued: a background flush may be the one to send it.
        let _watch = self.watch_upload(&key, Upload { progress, cancel });
        let db = self.account.db()?;
        outbox::enqueue(&mut db.conn(), &waiting, self.platform.now())?;
        self.republish_waiting()?;
        tracing::info!(photos = waiting.photos.len(), "feedback queued");
        self.deliver(&key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_required_visible_and_bounded() {
        assert!(checked_text(" ").is_err());
        assert!(checked_text("a\u{202e}b").is_err());
        assert!(checked_text(&"字".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert_eq!(checked_text("上传失败").unwrap(), "上传失败");
    }

    #[test]
    fn what_is_not_a_jpeg_or_png_is_refused() {
        assert_eq!(
            checked_photo(b"GIF89a not ours"),
            Err(HelpError::UnsupportedImage)
        );
    }
}
