//! Argon2id parameters and the key-encryption-key derivation.
//!
//! The parameters are read from an unauthenticated-until-unlocked header, so they are
//! validated against a floor (OWASP) *and* a cap before any KDF work runs: a hostile header
//! must not be able to make unlock take hours or allocate many GiB.

use argon2::{Algorithm, Argon2, AssociatedData, Block, ParamsBuilder, Version};
use zeroize::Zeroizing;

use crate::error::Error;

/// OWASP floor: 19 MiB.
pub const MIN_M_KIB: u32 = 19_456;
/// Work cap: 4 GiB.
pub const MAX_M_KIB: u32 = 4 * 1024 * 1024;
/// OWASP floor: 2 iterations.
pub const MIN_T: u32 = 2;
/// Work cap on iterations.
pub const MAX_T: u32 = 16;
/// At least one lane.
pub const MIN_P: u32 = 1;
/// Work cap on lanes.
pub const MAX_P: u32 = 16;

/// Length of the Argon2id salt stored in the header (RFC 9106 recommendation).
pub(crate) const SALT_LEN: usize = 16;

/// Argon2id cost parameters, as stored in the keystore header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub m_kib: u32,
    /// Number of passes.
    pub t: u32,
    /// Degree of parallelism (lanes).
    pub p: u32,
}

impl Default for KdfParams {
    /// m = 64 MiB, t = 3, p = 1: RFC 9106's second recommendation with one lane, which is
    /// what a single unlock on a small server can afford (about a second).
    fn default() -> Self {
        KdfParams { m_kib: 65_536, t: 3, p: 1 }
    }
}

impl KdfParams {
    /// Refuses parameters below the OWASP floor (m < 19456 KiB, t < 2, p < 1) and above the
    /// work cap (m > 4 GiB, t > 16, p > 16).
    pub fn validate(&self) -> Result<(), Error> {
        let ok = (MIN_M_KIB..=MAX_M_KIB).contains(&self.m_kib)
            && (MIN_T..=MAX_T).contains(&self.t)
            && (MIN_P..=MAX_P).contains(&self.p);
        if ok { Ok(()) } else { Err(Error::KdfParamsOutOfRange { m_kib: self.m_kib, t: self.t, p: self.p }) }
    }

    /// Derives the 256-bit key-encryption key from the passphrase. Validates first, so no
    /// caller can run the KDF with unchecked parameters.
    pub(crate) fn derive_kek(
        &self,
        passphrase: &[u8],
        salt: &[u8; SALT_LEN],
    ) -> Result<Zeroizing<[u8; 32]>, Error> {
        self.validate()?;
        let mut kek = Zeroizing::new([0u8; 32]);
        argon2id(passphrase, salt, None, &[], (self.m_kib, self.t, self.p), kek.as_mut_slice())?;
        Ok(kek)
    }
}

/// Raw Argon2id (version 0x13) as RFC 9106 defines it, with optional secret and associated
/// data. The keystore uses neither; they exist so the RFC's own test vector runs through
/// this exact function. The working memory is ours, so it is wiped afterwards (argon2 0.6
/// frees its own without wiping) and an allocation failure is an error, not an abort.
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8],
    secret: Option<&[u8]>,
    associated_data: &[u8],
    (m_kib, t, p): (u32, u32, u32),
    out: &mut [u8],
) -> Result<(), Error> {
    let mut builder = ParamsBuilder::new();
    builder.m_cost(m_kib).t_cost(t).p_cost(p).output_len(out.len());
    if !associated_data.is_empty() {
        builder.data(AssociatedData::new(associated_data).map_err(Error::Kdf)?);
    }
    let params = builder.build().map_err(Error::Kdf)?;
    let ctx = match secret {
        Some(secret) => Argon2::new_with_secret(secret, Algorithm::Argon2id, Version::V0x13, params)
            .map_err(Error::Kdf)?,
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
    };
    let mut blocks: Zeroizing<Vec<Block>> = Zeroizing::new(Vec::new());
    let count = ctx.params().block_count();
    blocks.try_reserve_exact(count).map_err(|_| Error::Kdf(argon2::Error::OutOfMemory))?;
    blocks.resize(count, Block::new());
    ctx.hash_password_into_with_memory(password, salt, out, blocks.as_mut_slice()).map_err(Error::Kdf)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn default_is_rfc9106_second_option_single_lane_and_valid() {
        let d = KdfParams::default();
        assert_eq!((d.m_kib, d.t, d.p), (65_536, 3, 1));
        d.validate().unwrap();
    }

    #[test]
    fn floor_and_cap_are_enforced_at_the_edges() {
        let ok = |m, t, p| KdfParams { m_kib: m, t, p }.validate().is_ok();
        assert!(ok(19_456, 2, 1));
        assert!(!ok(19_455, 2, 1));
        assert!(!ok(19_456, 1, 1));
        assert!(!ok(19_456, 2, 0));
        assert!(ok(MAX_M_KIB, MAX_T, MAX_P));
        // The documented cap (SECURITY.md: a hostile header costs at most 4 GiB), in numbers.
        assert!(ok(4_194_304, 2, 1));
        assert!(!ok(4_194_305, 2, 1));
        assert!(!ok(MAX_M_KIB + 1, 2, 1));
        assert!(!ok(19_456, MAX_T + 1, 1));
        assert!(!ok(19_456, 2, MAX_P + 1));
        assert!(!ok(u32::MAX, u32::MAX, u32::MAX));
    }

    #[test]
    fn derive_kek_refuses_out_of_range_params_before_running() {
        let hostile = KdfParams { m_kib: u32::MAX, t: u32::MAX, p: 1 };
        let err = hostile.derive_kek(b"pw", &[0u8; SALT_LEN]).err().unwrap();
        assert!(matches!(err, Error::KdfParamsOutOfRange { .. }), "{err}");
    }

    /// RFC 9106 §5.3 Argon2id test vector (t=3, m=32 KiB, p=4, secret, AD).
    #[test]
    fn rfc9106_argon2id_vector() {
        let mut tag = [0u8; 32];
        argon2id(&[0x01; 32], &[0x02; 16], Some(&[0x03; 8]), &[0x04; 12], (32, 3, 4), &mut tag).unwrap();
        assert_eq!(hex::encode(tag), "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    }

    /// Self-computed with libargon2 (reference §5.3, labelled derived): the OWASP floor
    /// parameters through the very function that derives the KEK.
    #[test]
    fn derive_kek_matches_libargon2_at_owasp_floor() {
        let params = KdfParams { m_kib: 19_456, t: 2, p: 1 };
        let kek = params.derive_kek(b"password", b"somesalt01234567").unwrap();
        assert_eq!(
            hex::encode(kek.as_slice()),
            "47aea29dd00fbef6c69f22d1eeb664f34518f9c58689fba4b634cc49a99e5220"
        );
    }
}
