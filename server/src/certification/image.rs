//! Checking that an uploaded photo is the PNG or JPEG it claims to be, down to a header that
//! states its size, and taking its metadata out before it is kept: a file named `.jpg` that is
//! something else is refused, not stored, and no stored photo carries a position.

pub use medcircle_rules::image::ImageType;

use crate::error::ApiError;

/// The largest photo accepted, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimensions {
    pub width: u32,
    pub height: u32,
}

/// The widest or tallest image accepted, in pixels: what a header claims is what a viewer
/// would allocate for.
pub const MAX_DIMENSION: u32 = 4096;

/// An upload as it is kept: its size, and its bytes without metadata.
#[derive(Debug)]
pub struct Cleaned {
    pub size: Dimensions,
    pub bytes: Vec<u8>,
}

/// Checks `bytes` as `inspect` does, then takes out every piece of metadata (EXIF with its GPS
/// position and camera serial, XMP, IPTC, comments, thumbnails, text chunks, trailing data)
/// with `medcircle_rules::image::strip`, the pixels untouched. The app strips before sending;
/// the server strips again, so no stored photo carries any whatever client sent it. An image
/// that cannot be read to its end is 400 `invalid_image`.
pub fn clean(declared: ImageType, bytes: &[u8]) -> Result<Cleaned, ApiError> {
    let size = inspect(declared, bytes)?;
    let bytes = medcircle_rules::image::strip(bytes).map_err(|_| ApiError::InvalidImage)?;
    Ok(Cleaned { size, bytes })
}

/// The dimensions of `bytes` as an image of the `declared` type: 413 `too_large` past the
/// byte limit, 400 `invalid_image` if they are not that type or have no usable header, 400
/// `photo_too_large_dimensions` past the dimension limit (every upload answers alike).
fn inspect(declared: ImageType, bytes: &[u8]) -> Result<Dimensions, ApiError> {
    if bytes.len() > MAX_BYTES {
        return Err(ApiError::ImageTooLarge);
    }
    if ImageType::of(bytes) != Some(declared) {
        return Err(ApiError::InvalidImage);
    }
    let (width, height) =
        medcircle_rules::image::dimensions(bytes).ok_or(ApiError::InvalidImage)?;
    let size = Dimensions { width, height };
    if size.width > MAX_DIMENSION || size.height > MAX_DIMENSION {
        return Err(ApiError::PhotoTooLargeDimensions);
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    const JPEG_START: &[u8] = b"\xff\xd8\xff";

    /// A PNG that is only a signature and an IHDR chunk (CRC not checked).
    fn png_bytes(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend_from_slice(b"\0\0\0\x0dIHDR");
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    /// A JPEG start: SOI, an APP0 segment, then a baseline SOF0 frame header.
    fn jpeg_bytes(width: u16, height: u16) -> Vec<u8> {
        let mut bytes = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
        bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        bytes.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08]);
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]);
        bytes
    }

    #[test]
    fn reads_png_and_jpeg_dimensions() {
        let size = |width, height| Dimensions { width, height };
        assert_eq!(
            inspect(ImageType::Png, &png_bytes(640, 480)).unwrap(),
            size(640, 480)
        );
        assert_eq!(
            inspect(ImageType::Jpeg, &jpeg_bytes(1024, 768)).unwrap(),
            size(1024, 768)
        );
        // Fill bytes before a marker, and a progressive frame (SOF2).
        let mut progressive = jpeg_bytes(3, 2);
        progressive.insert(2, 0xff);
        let sof = progressive
            .windows(2)
            .position(|w| w == [0xff, 0xc0])
            .unwrap();
        progressive[sof + 1] = 0xc2;
        assert_eq!(inspect(ImageType::Jpeg, &progressive).unwrap(), size(3, 2));
    }

    #[test]
    fn refuses_bytes_that_are_not_the_declared_type_or_lack_a_header() {
        for (declared, bytes) in [
            (ImageType::Png, jpeg_bytes(1, 1)),
            (ImageType::Jpeg, png_bytes(1, 1)),
            (ImageType::Png, b"GIF89a\x01\0\x01\0".to_vec()),
            (ImageType::Jpeg, b"%PDF-1.7".to_vec()),
            (ImageType::Png, Vec::new()),
        ] {
            let error = inspect(declared, &bytes).unwrap_err();
            assert_eq!(error.code(), "invalid_image", "{declared:?}");
        }
        let mut no_ihdr = png_bytes(1, 1);
        no_ihdr[12..16].copy_from_slice(b"IDAT");
        let sof = |bytes: &[u8]| bytes.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
        let mut no_sof = jpeg_bytes(1, 1);
        let at = sof(&no_sof);
        no_sof[at + 1] = 0xda;
        let jpeg = jpeg_bytes(1, 1);
        for (declared, bytes) in [
            (ImageType::Png, png_bytes(0, 10)),
            (ImageType::Png, png_bytes(10, 0)),
            (ImageType::Png, PNG_SIGNATURE.to_vec()),
            (ImageType::Png, no_ihdr),
            (ImageType::Jpeg, jpeg_bytes(0, 10)),
            (ImageType::Jpeg, jpeg_bytes(10, 0)),
            (ImageType::Jpeg, JPEG_START.to_vec()),
            (ImageType::Jpeg, no_sof),
            (ImageType::Jpeg, jpeg[..sof(&jpeg) + 6].to_vec()),
        ] {
            let error = inspect(declared, &bytes).unwrap_err();
            assert_eq!(error.code(), "invalid_image", "{declared:?} {bytes:02x?}");
        }
    }

    #[test]
    fn refuses_dimensions_past_the_limit_whatever_the_type() {
        let refused = |declared, bytes: Vec<u8>| inspect(declared, &bytes).unwrap_err().code();
        assert_eq!(
            refused(ImageType::Png, png_bytes(4_000_000_000, 4_000_000_000)),
            "photo_too_large_dimensions"
        );
        assert_eq!(
            refused(ImageType::Jpeg, jpeg_bytes(4097, 10)),
            "photo_too_large_dimensions"
        );
        assert!(inspect(ImageType::Png, &png_bytes(4096, 4096)).is_ok());
    }

    #[test]
    fn refuses_more_than_5_mib() {
        let mut big = png_bytes(1, 1);
        big.resize(MAX_BYTES, 0);
        assert!(inspect(ImageType::Png, &big).is_ok());
        big.push(0);
        assert_eq!(
            inspect(ImageType::Png, &big).unwrap_err().code(),
            "too_large"
        );
    }

    #[test]
    fn a_kept_photo_has_no_metadata_and_a_truncated_one_is_refused() {
        let clean_jpeg = jpeg_bytes(4, 3);
        let mut planted = clean_jpeg[..2].to_vec();
        planted.extend_from_slice(&[0xff, 0xe1, 0x00, 0x1a]);
        planted.extend_from_slice(b"Exif\0\0GPS=39.91N,116.39E");
        planted.extend_from_slice(&[0xff, 0xfe, 0x00, 0x0b]);
        planted.extend_from_slice(b"SERIAL-42");
        planted.extend_from_slice(&clean_jpeg[2..]);
        let kept = clean(ImageType::Jpeg, &planted).unwrap();
        assert_eq!(
            kept.size,
            Dimensions {
                width: 4,
                height: 3
            }
        );
        for secret in [&b"GPS="[..], b"SERIAL-42", b"Exif", b"JFIF"] {
            assert!(
                !kept.bytes.windows(secret.len()).any(|w| w == secret),
                "{}",
                String::from_utf8_lossy(secret)
            );
        }
        assert!(
            kept.bytes.windows(2).any(|w| w == [0xff, 0xc0]),
            "the frame stays"
        );

        let mut png = png_bytes(2, 2);
        let plain = {
            let mut plain = png.clone();
            plain.extend_from_slice(b"\0\0\0\0IEND\xae\x42\x60\x82");
            plain
        };
        png.extend_from_slice(b"\0\0\0\x05tEXtGPS=1");
        png.extend_from_slice(&[0, 0, 0, 0]);
        png.extend_from_slice(b"\0\0\0\0IEND\xae\x42\x60\x82");
        assert_eq!(clean(ImageType::Png, &png).unwrap().bytes, plain);

        // A header alone, with no end: not a photo the server can clean, so not kept.
        let code = clean(ImageType::Png, &png_bytes(2, 2)).unwrap_err().code();
        assert_eq!(code, "invalid_image");
    }

    #[test]
    fn reads_the_declared_content_type() {
        assert_eq!(ImageType::declared("image/png"), Some(ImageType::Png));
        assert_eq!(
            ImageType::declared("Image/JPEG; q=1"),
            Some(ImageType::Jpeg)
        );
        for other in ["image/jpg", "image/gif", "application/octet-stream", ""] {
            assert_eq!(ImageType::declared(other), None, "{other}");
        }
    }
}
