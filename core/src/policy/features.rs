//! The device permissions the app uses and the features each one serves, with what the user
//! is told before each OS dialog: which feature, why, and that refusing only disables that
//! feature. Declared once here; the permission gate and the in-app lists read them.

use super::ConsentPurpose;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Permission {
    Camera,
    Photos,
    Location,
}

impl Permission {
    /// The stable name stored in the database.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Permission::Camera => "camera",
            Permission::Photos => "photos",
            Permission::Location => "location",
        }
    }
}

/// Every feature that needs a device permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Feature {
    ScanToLogin,
    PostPhotos,
    FeedbackPhotos,
    CertificationPhotos,
    Positioning,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::ScanToLogin,
        Feature::PostPhotos,
        Feature::FeedbackPhotos,
        Feature::CertificationPhotos,
        Feature::Positioning,
    ];

    pub(crate) fn permission(self) -> Permission {
        match self {
            Feature::ScanToLogin | Feature::PostPhotos | Feature::CertificationPhotos => {
                Permission::Camera
            }
            Feature::FeedbackPhotos => Permission::Photos,
            Feature::Positioning => Permission::Location,
        }
    }

    /// The consent a feature needs beyond the policy itself.
    pub(crate) fn purpose(self) -> Option<ConsentPurpose> {
        match self {
            Feature::Positioning => Some(ConsentPurpose::PreciseLocation),
            Feature::CertificationPhotos => Some(ConsentPurpose::IdentityVerification),
            Feature::ScanToLogin | Feature::PostPhotos | Feature::FeedbackPhotos => None,
        }
    }
}

/// What the shell shows before the OS dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Rationale {
    pub feature: Feature,
    pub permission: Permission,
    pub title: String,
    pub text: String,
    /// What the data is used for, in the words of the privacy policy.
    pub purpose: String,
}

impl Feature {
    /// What the shell shows before the OS dialog for this feature.
    pub(crate) fn rationale(self) -> Rationale {
        let feature = self;
        let (title, text, purpose) = match feature {
            Feature::ScanToLogin => (
                "Camera, to scan the login code",
                "MedCircle uses the camera only while you scan the code shown on the website. \
             Nothing is recorded or uploaded. If you refuse, you can still log in on the web \
             another way, and everything else keeps working.",
                "Scan to log in on the web (privacy policy: permission to read photos or take pictures)",
            ),
            Feature::PostPhotos => (
                "Camera, to photograph for your post",
                "MedCircle uses the camera when you take a photo for a circle post. Only the photos \
             you choose to publish are uploaded. If you refuse, you can still post text.",
                "Circle posts with photos (privacy policy: permission to read photos or take pictures)",
            ),
            Feature::FeedbackPhotos => (
                "Photos, to attach to your feedback",
                "MedCircle reads only the photos you pick to attach to feedback. If you refuse, you \
             can still send feedback without photos.",
                "Help center feedback with photos (privacy policy: permission to read photos or take pictures)",
            ),
            Feature::CertificationPhotos => (
                "Camera, to photograph your certificates",
                "MedCircle uses the camera to photograph your physician certificates for identity \
             authentication. They are uploaded only for that check. If you refuse, everything \
             else keeps working.",
                "Identity authentication (privacy policy: identity authentication)",
            ),
            Feature::Positioning => (
                "Location, for identity authentication",
                "With positioning on, MedCircle reads your GPS location for identity \
             authentication only. If you refuse, nothing else changes.",
                "Positioning for identity authentication (privacy policy: positioning function)",
            ),
        };
        Rationale {
            feature,
            permission: feature.permission(),
            title: title.into(),
            text: text.into(),
            purpose: purpose.into(),
        }
    }
}
