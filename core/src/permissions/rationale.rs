//! What the user is told before each OS permission dialog: which feature, why, and that
//! refusing only disables that feature.

use super::{Feature, Rationale};

pub(crate) fn for_feature(feature: Feature) -> Rationale {
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
