//! Certificate photos as the shell hands them over: the type is read from the bytes (never
//! from a file name), and the size is checked before anything is sent.

/// The server's limit for one certificate photo.
pub(crate) const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// The media type of a JPEG or PNG image, or why the bytes are not one.
pub(crate) fn media_type(bytes: &[u8]) -> Result<&'static str, PhotoProblem> {
    if bytes.is_empty() {
        return Err(PhotoProblem::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoProblem::TooLarge);
    }
    medcircle_rules::image::ImageType::of(bytes)
        .map(|kind| kind.media_type())
        .ok_or(PhotoProblem::UnsupportedType)
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PhotoProblem {
    Empty,
    TooLarge,
    UnsupportedType,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_and_png_are_recognised_by_their_bytes() {
        assert_eq!(media_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Ok("image/jpeg"));
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
    }

    #[test]
    fn other_files_empty_and_oversized_ones_are_refused() {
        assert_eq!(media_type(b"GIF89a..."), Err(PhotoProblem::UnsupportedType));
        assert_eq!(media_type(b"%PDF-1.7"), Err(PhotoProblem::UnsupportedType));
        assert_eq!(media_type(&[]), Err(PhotoProblem::Empty));
        let mut huge = vec![0xFF, 0xD8, 0xFF];
        huge.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(media_type(&huge), Err(PhotoProblem::TooLarge));
    }
}
