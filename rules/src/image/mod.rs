//! Photos as both sides read them: the type from the bytes (never from a name or a header
//! the sender chose), the size from the image's own header, and the metadata stripped before
//! a photo is sent or kept (`strip.rs`).

mod strip;

pub use strip::{Malformed, strip};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_START: &[u8] = b"\xff\xd8\xff";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Jpeg,
    Png,
}

impl ImageType {
    /// The type the bytes are, if a JPEG or a PNG.
    pub fn of(bytes: &[u8]) -> Option<ImageType> {
        if bytes.starts_with(JPEG_START) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(PNG_SIGNATURE) {
            Some(ImageType::Png)
        } else {
            None
        }
    }

    /// The type a `Content-Type` declares, if it is one of these.
    pub fn declared(content_type: &str) -> Option<ImageType> {
        let essence = content_type.split(';').next()?.trim();
        if essence.eq_ignore_ascii_case("image/png") {
            Some(ImageType::Png)
        } else if essence.eq_ignore_ascii_case("image/jpeg") {
            Some(ImageType::Jpeg)
        } else {
            None
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
        }
    }
}

/// Width and height from the header of a JPEG or PNG; none without a usable header (or with
/// a side of zero).
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let (width, height) = match ImageType::of(bytes)? {
        ImageType::Png => png_dimensions(bytes)?,
        ImageType::Jpeg => jpeg_dimensions(bytes)?,
    };
    (width > 0 && height > 0).then_some((width, height))
}

/// After the signature, the IHDR chunk, which must come first: length 13, then width and
/// height.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let ihdr = bytes.strip_prefix(PNG_SIGNATURE)?.get(..16)?;
    if ihdr[..8] != *b"\0\0\0\x0dIHDR" {
        return None;
    }
    Some((
        u32::from_be_bytes(ihdr[8..12].try_into().ok()?),
        u32::from_be_bytes(ihdr[12..16].try_into().ok()?),
    ))
}

/// After the start of image, the first start-of-frame (SOFn) segment, found by walking the
/// marker segments.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xff {
            return None;
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while *bytes.get(at)? == 0xff {
            at += 1;
        }
        let marker = bytes[at];
        at += 1;
        match marker {
            // Standalone markers: no length.
            0x01 | 0xd0..=0xd7 => continue,
            // Scan data or the end before any frame header.
            0xd9 | 0xda => return None,
            _ => {}
        }
        let length = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        if length < 2 {
            return None;
        }
        // SOF0-15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
        if matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
            let frame = bytes.get(at + 2..at + 7)?;
            return Some((
                u32::from(u16::from_be_bytes([frame[3], frame[4]])),
                u32::from(u16::from_be_bytes([frame[1], frame[2]])),
            ));
        }
        at += length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes_and_from_a_declared_type() {
        assert_eq!(
            ImageType::of(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(ImageType::of(b"\x89PNG\r\n\x1a\n"), Some(ImageType::Png));
        assert_eq!(ImageType::of(b"GIF89a"), None);
        assert_eq!(ImageType::of(b""), None);
        assert_eq!(
            ImageType::declared("Image/PNG; charset=binary"),
            Some(ImageType::Png)
        );
        assert_eq!(ImageType::declared("image/gif"), None);
    }

    #[test]
    fn png_and_jpeg_headers_give_the_size() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        assert_eq!(dimensions(&png), Some((640, 480)));
        // SOI, an APP0 segment, then SOF0 with height 300 and width 400.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01,
            0x2C, 0x01, 0x90, 0x01, 0x01, 0x11, 0x00,
        ];
        assert_eq!(dimensions(&jpeg), Some((400, 300)));
        assert_eq!(dimensions(&jpeg[..10]), None);
        assert_eq!(dimensions(&png[..14]), None);
    }

    #[test]
    fn a_header_without_a_frame_or_with_a_zero_side_gives_no_size() {
        // A scan before any frame header, and a zero-length segment.
        assert_eq!(dimensions(&[0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02]), None);
        assert_eq!(dimensions(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00]), None);
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(0u32.to_be_bytes());
        png.extend(10u32.to_be_bytes());
        assert_eq!(dimensions(&png), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Bytes that start like a JPEG or a PNG (so the parsers get past the signature) or
    /// like nothing at all.
    fn images() -> impl Strategy<Value = Vec<u8>> {
        let tail = proptest::collection::vec(any::<u8>(), 0..512);
        prop_oneof![
            tail.clone()
                .prop_map(|t| [&[0xFF, 0xD8, 0xFF][..], &t].concat()),
            tail.clone().prop_map(|t| [PNG_SIGNATURE, &t].concat()),
            tail,
        ]
    }

    proptest! {
        #[test]
        fn reading_and_stripping_never_panic_and_stripping_is_stable(bytes in images()) {
            let _ = dimensions(&bytes);
            if let Ok(clean) = strip(&bytes) {
                prop_assert_eq!(ImageType::of(&clean), ImageType::of(&bytes));
                prop_assert_eq!(strip(&clean), Ok(clean.clone()));
            }
        }
    }
}
