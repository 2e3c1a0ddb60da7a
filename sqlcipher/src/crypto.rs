//! The primitives SQLCipher 4 asks its provider for, on safe slices: AES-256-CBC without
//! padding (the `aes` crate: AES-NI or ARMv8 instructions where the CPU has them, constant-time
//! software otherwise), HMAC and PBKDF2 over SHA-1, SHA-256 or SHA-512, and the OS's random
//! generator (all three from ring, which TLS links anyway).

use std::num::NonZeroU32;

use aes::Aes256;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InOutBuf, KeyIvInit};
use ring::rand::SecureRandom;
use ring::{hmac, pbkdf2};

pub(crate) const KEY_LEN: usize = 32;
pub(crate) const BLOCK_LEN: usize = 16;

/// A request the primitive cannot honour (a wrong length, an unknown algorithm, no entropy).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refused;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Encrypt,
    Decrypt,
}

/// Encrypts or decrypts `data` in place; its length must be a whole number of blocks.
pub(crate) fn aes_256_cbc(
    direction: Direction,
    key: &[u8],
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), Refused> {
    let (blocks, tail) = InOutBuf::from(data).into_chunks();
    if !tail.is_empty() {
        return Err(Refused);
    }
    match direction {
        Direction::Encrypt => cbc::Encryptor::<Aes256>::new_from_slices(key, iv)
            .map_err(|_| Refused)?
            .encrypt_blocks_inout(blocks),
        Direction::Decrypt => cbc::Decryptor::<Aes256>::new_from_slices(key, iv)
            .map_err(|_| Refused)?
            .decrypt_blocks_inout(blocks),
    }
    Ok(())
}

/// The hash under an HMAC or a PBKDF2, numbered as SQLCipher numbers them (`SQLCIPHER_HMAC_*`
/// and `SQLCIPHER_PBKDF2_HMAC_*` share the numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    Sha1,
    Sha256,
    Sha512,
}

impl Digest {
    pub(crate) fn from_sqlcipher(algorithm: i32) -> Option<Digest> {
        match algorithm {
            0 => Some(Digest::Sha1),
            1 => Some(Digest::Sha256),
            2 => Some(Digest::Sha512),
            _ => None,
        }
    }

    pub(crate) fn len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha256 => 32,
            Digest::Sha512 => 64,
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            Digest::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Digest::Sha256 => hmac::HMAC_SHA256,
            Digest::Sha512 => hmac::HMAC_SHA512,
        }
    }

    fn pbkdf2(self) -> pbkdf2::Algorithm {
        match self {
            Digest::Sha1 => pbkdf2::PBKDF2_HMAC_SHA1,
            Digest::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
            Digest::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
        }
    }
}

/// The HMAC of `parts` concatenated, written to the start of `out` (which must hold it).
pub(crate) fn hmac(
    digest: Digest,
    key: &[u8],
    parts: &[&[u8]],
    out: &mut [u8],
) -> Result<(), Refused> {
    let out = out.get_mut(..digest.len()).ok_or(Refused)?;
    let mut context = hmac::Context::with_key(&hmac::Key::new(digest.hmac(), key));
    for part in parts {
        context.update(part);
    }
    out.copy_from_slice(context.sign().as_ref());
    Ok(())
}

/// PBKDF2 with `digest`'s HMAC, filling `out`.
pub(crate) fn pbkdf2(
    digest: Digest,
    iterations: u32,
    salt: &[u8],
    secret: &[u8],
    out: &mut [u8],
) -> Result<(), Refused> {
    let iterations = NonZeroU32::new(iterations).ok_or(Refused)?;
    if out.is_empty() {
        return Err(Refused);
    }
    pbkdf2::derive(digest.pbkdf2(), iterations, salt, secret, out);
    Ok(())
}

/// Fills `out` from the operating system's generator (IVs, salts, SQLCipher's own seeds).
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), Refused> {
    ring::rand::SystemRandom::new()
        .fill(out)
        .map_err(|_| Refused)
}

#[cfg(test)]
mod tests {
    //! Known answers: AES from NIST SP 800-38A (F.2.5), HMAC from RFC 4231 (case 2), PBKDF2
    //! computed with Python's hashlib, an implementation independent of ring.

    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        hex::decode(text).unwrap()
    }

    const NIST_KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
    const NIST_IV: &str = "000102030405060708090a0b0c0d0e0f";
    const NIST_PLAIN: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                              30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
    const NIST_CIPHER: &str = "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d\
                               39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b";

    #[test]
    fn aes_256_cbc_matches_nist_both_ways() {
        let (key, iv) = (unhex(NIST_KEY), unhex(NIST_IV));
        let mut data = unhex(NIST_PLAIN);
        aes_256_cbc(Direction::Encrypt, &key, &iv, &mut data).unwrap();
        assert_eq!(data, unhex(NIST_CIPHER));
        aes_256_cbc(Direction::Decrypt, &key, &iv, &mut data).unwrap();
        assert_eq!(data, unhex(NIST_PLAIN));
    }

    #[test]
    fn aes_256_cbc_refuses_partial_blocks_and_wrong_lengths() {
        let (key, iv) = (unhex(NIST_KEY), unhex(NIST_IV));
        let mut partial = vec![0; BLOCK_LEN + 1];
        assert_eq!(
            aes_256_cbc(Direction::Encrypt, &key, &iv, &mut partial),
            Err(Refused)
        );
        let mut block = vec![0; BLOCK_LEN];
        assert_eq!(
            aes_256_cbc(Direction::Decrypt, &key[..16], &iv, &mut block),
            Err(Refused)
        );
        assert_eq!(
            aes_256_cbc(Direction::Decrypt, &key, &iv[..8], &mut block),
            Err(Refused)
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_over_split_input() {
        let expected = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                        9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";
        let mut out = [0; 64];
        hmac(
            Digest::Sha512,
            b"Jefe",
            &[b"what do ya want ", b"for nothing?"],
            &mut out,
        )
        .unwrap();
        assert_eq!(out.to_vec(), unhex(expected));
        let mut short = [0; 32];
        assert_eq!(
            hmac(Digest::Sha512, b"Jefe", &[b"x"], &mut short),
            Err(Refused)
        );
    }

    #[test]
    fn each_sqlcipher_algorithm_number_selects_its_digest() {
        // hashlib.pbkdf2_hmac(name, b"secret", b"salt", 2, 32).hex()
        let cases = [
            (
                0,
                "692f2add1acc6be37ee23b70e02e5ea4f847f5a7c75e7106c76c2d670b9043ad",
            ),
            (
                1,
                "f92f45f9df4c2aeabae1ed3c16f7b64660c1f8e377fa9b4699b23c2c3a29f569",
            ),
            (
                2,
                "4ccb540cfa74016aa777ff9cae9f3fb080def530688a749362acae873ec1a352",
            ),
        ];
        for (number, expected) in cases {
            let digest = Digest::from_sqlcipher(number).unwrap();
            let mut out = [0; 32];
            pbkdf2(digest, 2, b"salt", b"secret", &mut out).unwrap();
            assert_eq!(hex::encode(out), expected, "algorithm {number}");
        }
        assert_eq!(Digest::from_sqlcipher(3), None);
    }

    #[test]
    fn pbkdf2_refuses_zero_iterations_and_empty_output() {
        let mut out = [0; 32];
        assert_eq!(
            pbkdf2(Digest::Sha512, 0, b"salt", b"secret", &mut out),
            Err(Refused)
        );
        assert_eq!(
            pbkdf2(Digest::Sha512, 1, b"salt", b"secret", &mut []),
            Err(Refused)
        );
    }

    #[test]
    fn random_output_differs_between_calls() {
        let (mut a, mut b) = ([0; 32], [0; 32]);
        fill_random(&mut a).unwrap();
        fill_random(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
