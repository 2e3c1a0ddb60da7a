//! Images for the tests: plain PNGs of a given size (nothing but the image, so stripping
//! metadata leaves them as they are), and a camera's JPEG and PNG with metadata planted in
//! every place a camera or an editor puts it, with their clean twins and decoders to compare
//! pixels.

/// A real grayscale PNG of at least `len` bytes and nothing but its image (its pixels stored
/// uncompressed), so stripping metadata leaves it as it is.
pub fn png(len: usize) -> Vec<u8> {
    const WIDTH: usize = 2048;
    let rows = len.div_ceil(WIDTH + 1).max(1);
    let mut raw = Vec::with_capacity(rows * (WIDTH + 1));
    for row in 0..rows {
        raw.push(0);
        raw.extend((0..WIDTH).map(|x| (row * 31 + x) as u8));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(0xFFFF).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let length = block.len() as u16;
        zlib.extend_from_slice(&length.to_le_bytes());
        zlib.extend_from_slice(&(!length).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = (WIDTH as u32).to_be_bytes().to_vec();
    ihdr.extend_from_slice(&(rows as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", &ihdr[..]),
        (b"IDAT", &zlib[..]),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut covered = kind.to_vec();
        covered.extend_from_slice(data);
        out.extend_from_slice(&covered);
        out.extend_from_slice(&crc32(&covered).to_be_bytes());
    }
    out
}

pub const PLANTED: [&str; 7] = [
    "SERIAL-4242",
    "PlantedCam",
    "secret-xmp",
    "planted comment",
    "IPTC-CAPTION",
    "TRAILING-VIDEO",
    "39.9123N",
];

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Big-endian EXIF: IFD0 with the orientation, a camera make and pointers to an Exif IFD
/// (a body serial number) and a GPS IFD (a latitude reference and a text position).
pub fn exif() -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend_from_slice(&kind.to_be_bytes());
        e.extend_from_slice(&count.to_be_bytes());
        e.extend_from_slice(&value.to_be_bytes());
        e
    };
    // IFD0 at 8: 4 entries (2 + 48 + 4 = 54 bytes), data from 62.
    let make = b"PlantedCam\0";
    let (make_at, exif_at) = (62u32, 62 + make.len() as u32);
    let serial = b"SERIAL-4242\0";
    let serial_at = exif_at + 18;
    let gps_at = serial_at + serial.len() as u32;
    let position = b"39.9123N\0";
    let position_at = gps_at + 30;
    tiff.extend_from_slice(&4u16.to_be_bytes());
    tiff.extend(entry(0x010F, 2, make.len() as u32, make_at));
    tiff.extend(entry(0x0112, 3, 1, 6 << 16));
    tiff.extend(entry(0x8769, 4, 1, exif_at));
    tiff.extend(entry(0x8825, 4, 1, gps_at));
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(make);
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend(entry(0xA431, 2, serial.len() as u32, serial_at));
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(serial);
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, u32::from_be_bytes(*b"N\0\0\0")));
    tiff.extend(entry(0x001B, 2, position.len() as u32, position_at));
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(position);
    let mut out = b"Exif\0\0".to_vec();
    out.extend(tiff);
    out
}

/// A JPEG as a camera writes it (EXIF with a GPS IFD, a serial and an orientation of 6, XMP,
/// IPTC, a comment, a JFIF thumbnail, a colour profile, bytes after the image), and the same
/// image as the encoder made it.
pub fn camera_jpeg() -> (Vec<u8>, Vec<u8>) {
    let (width, height) = (32u16, 24u16);
    let pixels: Vec<u8> = (0..u32::from(width) * u32::from(height))
        .flat_map(|i| [(i * 7) as u8, (i * 3) as u8, (255 - i % 256) as u8])
        .collect();
    let mut clean = Vec::new();
    jpeg_encoder::Encoder::new(&mut clean, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let mut planted = clean[..2].to_vec();
    let mut jfif = b"JFIF\0\x01\x01\0\0\x01\0\x01\x02\x02".to_vec();
    jfif.extend_from_slice(&[9; 12]);
    planted.extend(segment(0xE0, &jfif));
    planted.extend(segment(0xE1, &exif()));
    planted.extend(segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>secret-xmp</x:xmpmeta>",
    ));
    planted.extend(segment(
        0xED,
        b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x0cIPTC-CAPTION",
    ));
    planted.extend(segment(0xFE, b"planted comment"));
    planted.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"));
    planted.extend_from_slice(&clean[2..]);
    planted.extend_from_slice(b"TRAILING-VIDEO");
    (planted, clean)
}

pub fn jpeg_pixels(bytes: &[u8]) -> Vec<u8> {
    jpeg_decoder::Decoder::new(bytes).decode().unwrap()
}

pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut covered = kind.to_vec();
    covered.extend_from_slice(data);
    out.extend_from_slice(&crc32(&covered).to_be_bytes());
    out
}

pub fn png_pixels(bytes: &[u8]) -> Vec<u8> {
    let mut reader = png::Decoder::new(bytes).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut pixels).unwrap();
    pixels
}

/// A PNG with text, XMP, EXIF, a time and a private chunk planted (and bytes after its end),
/// and the same image without them.
pub fn camera_png() -> (Vec<u8>, Vec<u8>) {
    let mut clean = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut clean, 8, 8);
        encoder.set_color(png::ColorType::Rgba);
        let pixels: Vec<u8> = (0..8 * 8 * 4).map(|i| (i * 5) as u8).collect();
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&pixels)
            .unwrap();
    }
    let ihdr_end = 8 + 25;
    let mut planted = clean[..ihdr_end].to_vec();
    planted.extend(chunk(b"tEXt", b"Comment\0planted comment"));
    planted.extend(chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0secret-xmp"));
    planted.extend(chunk(b"eXIf", &exif()[6..]));
    planted.extend(chunk(b"tIME", &[7, 234, 12, 4, 12, 0, 0]));
    planted.extend(chunk(b"prVt", b"IPTC-CAPTION"));
    planted.extend_from_slice(&clean[ihdr_end..]);
    planted.extend_from_slice(b"TRAILING-VIDEO");
    (planted, clean)
}

/// The minimal EXIF a stripped JPEG keeps: the orientation (6) alone.
pub const ORIENTATION_ONLY: &[u8] =
    b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06";
