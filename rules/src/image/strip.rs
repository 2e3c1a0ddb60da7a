//! Metadata out of every photo that leaves the phone, pixels untouched: what a camera writes
//! beside the image (EXIF with the GPS position, the camera's serial and maker notes, XMP,
//! IPTC, comments, embedded thumbnails and previews, text chunks, whatever trails the image)
//! is dropped; what the decoder needs (and the colour profile) stays. A JPEG's orientation,
//! the one piece of EXIF a viewer needs, is written back alone.

use super::ImageType;

/// Why a photo cannot be cleaned: it is not a well-formed JPEG or PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the photo could not be read as an image")]
pub struct Malformed;

/// The photo without its metadata.
pub fn strip(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    match ImageType::of(bytes).ok_or(Malformed)? {
        ImageType::Jpeg => strip_jpeg(bytes),
        ImageType::Png => strip_png(bytes),
    }
}

fn be16(bytes: &[u8], at: usize) -> Result<usize, Malformed> {
    let pair = bytes.get(at..at + 2).ok_or(Malformed)?;
    Ok(usize::from(u16::from_be_bytes([pair[0], pair[1]])))
}

/// JPEG: segments the decoder needs are copied; APPn and COM go, except a colour profile
/// (APP2 `ICC_PROFILE`) and Adobe's colour-transform flag (APP14 `Adobe`). Entropy-coded
/// data is copied as it is; nothing after the end-of-image marker is kept.
fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut orientation = None;
    let mut at = 2;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if bytes.get(at) != Some(&0xFF) {
            return Err(Malformed);
        }
        let marker = *bytes.get(at + 1).ok_or(Malformed)?;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(with_orientation(out, orientation));
            }
            0x01 => {
                out.extend_from_slice(&bytes[at..at + 2]);
                at += 2;
                continue;
            }
            // A stuffed zero, a restart or a second start of image only belong inside scan
            // data: taken for a segment here, they would read differently once a dropped
            // segment joined them to the scan before it.
            0x00 | 0xD0..=0xD8 => return Err(Malformed),
            _ => {}
        }
        let length = be16(bytes, at + 2)?;
        if length < 2 {
            return Err(Malformed);
        }
        let end = at + 2 + length;
        let segment = bytes.get(at..end).ok_or(Malformed)?;
        let payload = &segment[4..];
        let keep = match marker {
            0xE1 if payload.starts_with(b"Exif\0\0") => {
                orientation = orientation.or_else(|| exif_orientation(&payload[6..]));
                false
            }
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE0..=0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(segment);
        }
        at = end;
        if marker == 0xDA {
            // Start of scan: entropy-coded data up to the next marker that is not a restart.
            let scan_end = scan_end(bytes, at)?;
            out.extend_from_slice(&bytes[at..scan_end]);
            at = scan_end;
        }
    }
}

/// Where a scan's entropy-coded data ends: the first 0xFF not followed by a stuffed zero, a
/// restart marker or another fill byte.
fn scan_end(bytes: &[u8], mut at: usize) -> Result<usize, Malformed> {
    loop {
        let next = bytes.get(at..).ok_or(Malformed)?;
        let offset = next.iter().position(|b| *b == 0xFF).ok_or(Malformed)?;
        at += offset;
        match bytes.get(at + 1) {
            Some(0x00) | Some(0xD0..=0xD7) => at += 2,
            Some(0xFF) => at += 1,
            Some(_) => return Ok(at),
            None => return Err(Malformed),
        }
    }
}

/// The orientation tag (0x0112) of IFD0 in a TIFF structure, if set and not the default.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let little = match tiff.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at + 2)?;
        Some(if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<usize> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        } as usize)
    };
    let ifd = u32_at(4)?;
    let entries = usize::from(u16_at(ifd)?);
    (0..entries.min(256))
        .map(|i| ifd.checked_add(2 + 12 * i))
        .find_map(|entry| {
            let entry = entry?;
            (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3).then(|| u16_at(entry + 8))?
        })
        .filter(|o| (2..=8).contains(o))
}

/// Puts the orientation back as the only EXIF of the image, right after its start marker.
fn with_orientation(jpeg: Vec<u8>, orientation: Option<u16>) -> Vec<u8> {
    let Some(orientation) = orientation else {
        return jpeg;
    };
    // "Exif\0\0", then big-endian TIFF: header, IFD0 with one SHORT entry, no next IFD.
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let length = (exif.len() + 2) as u16;
    let mut out = Vec::with_capacity(jpeg.len() + exif.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// PNG chunks a decoder or the colours need; everything else (text, EXIF, time, private
/// chunks) goes, and so does whatever follows IEND.
const PNG_KEPT: [&[u8; 4]; 13] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"acTL", b"fcTL", b"fdAT",
];

fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut out = bytes[..8].to_vec();
    let mut at = 8;
    loop {
        let header = bytes.get(at..at + 8).ok_or(Malformed)?;
        let length = u32::from_be_bytes(header[..4].try_into().map_err(|_| Malformed)?) as usize;
        let kind: [u8; 4] = header[4..8].try_into().map_err(|_| Malformed)?;
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(length))
            .ok_or(Malformed)?;
        let chunk = bytes.get(at..end).ok_or(Malformed)?;
        if PNG_KEPT.contains(&&kind) {
            out.extend_from_slice(chunk);
        } else if kind[0].is_ascii_uppercase() {
            // An unknown critical chunk: the image cannot be read without it.
            return Err(Malformed);
        }
        at = end;
        if &kind == b"IEND" {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_or_foreign_input_is_refused_not_passed_through() {
        assert_eq!(strip(b"GIF89a"), Err(Malformed));
        assert_eq!(strip(&[0xFF, 0xD8, 0xFF]), Err(Malformed));
        assert_eq!(
            strip(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0]),
            Err(Malformed)
        );
        assert_eq!(strip(b"\x89PNG\r\n\x1a\n\0\0\0"), Err(Malformed));
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        png.extend_from_slice(b"tEXt");
        assert_eq!(strip(&png), Err(Malformed), "a length past the end");
    }

    #[test]
    fn markers_that_only_belong_in_scan_data_are_refused_between_segments() {
        for marker in [0x00, 0xD0, 0xD7, 0xD8] {
            let jpeg = [
                0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0x11, 0xFF, 0xE1, 0, 2, 0xFF, marker, 0, 4, 0xAA,
                0xBB, 0xFF, 0xD9,
            ];
            assert_eq!(strip(&jpeg), Err(Malformed), "marker {marker:#04x}");
        }
        let mut restart_in_scan = vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0x11, 0xFF, 0xD0, 0x22];
        restart_in_scan.extend_from_slice(&[0xFF, 0xD9]);
        assert_eq!(strip(&restart_in_scan).as_deref(), Ok(&restart_in_scan[..]));
    }

    #[test]
    fn the_orientation_survives_both_byte_orders() {
        let little = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0";
        assert_eq!(exif_orientation(little), Some(6));
        let jpeg = with_orientation(vec![0xFF, 0xD8, 0xFF, 0xD9], Some(6));
        assert_eq!(exif_orientation(&jpeg[12..]), Some(6));
        assert_eq!(exif_orientation(b"II*\0\xff\xff\xff\xff"), None);
    }
}
