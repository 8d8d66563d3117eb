//! The one error type of the crate.
//!
//! Every message is a sentence a person can act on. Credential failures are deliberately
//! a single variant so a caller cannot tell which factor was wrong.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while creating, opening, unlocking or using a keystore.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `open` was pointed at a directory that holds no keystore.
    #[error("no keystore at {}; run `vigil init`", dir.display())]
    NotFound {
        /// The directory that was searched.
        dir: PathBuf,
    },

    /// `create` never overwrites: the directory already holds a keystore or other files.
    #[error(
        "{} already exists and is not empty; refusing to overwrite it (move it away first if you \
         really mean to start over)",
        dir.display()
    )]
    AlreadyExists {
        /// The directory that was about to be initialised.
        dir: PathBuf,
    },

    /// The keystore directory or a file inside it is readable or writable by other users.
    #[error(
        "{} is accessible by group or others (mode {mode:03o}); fix it with \
         `chmod -R go-rwx {}` (i.e. `chmod 700` on the directory, `chmod 600` on its files)",
        path.display(),
        dir.display()
    )]
    InsecurePermissions {
        /// The offending file or directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// The keystore directory (for the fix command).
        dir: PathBuf,
    },

    /// The keystore directory or a file inside it belongs to another user, who could
    /// replace its contents at will.
    #[error(
        "{} is owned by uid {owner}, not by you (uid {me}); vigil will not use a keystore another \
         user controls: if it really is yours, take it back with `chown -R {me} {}`",
        path.display(),
        dir.display()
    )]
    ForeignOwner {
        /// The offending file or directory.
        path: PathBuf,
        /// Its owner's uid.
        owner: u32,
        /// This process's effective uid.
        me: u32,
        /// The keystore directory (for the fix command).
        dir: PathBuf,
    },

    /// The keystore's files do not read back as the generation `CURRENT` names (damage,
    /// truncation, a missing generation). Nothing on disk was changed.
    #[error(
        "keystore {} is damaged ({detail}); nothing was changed on disk: restore the keystore \
         directory from a backup (`vigil init` only works in an empty directory)",
        path.display()
    )]
    Corrupted {
        /// The damaged file or generation directory.
        path: PathBuf,
        /// What did not check out.
        detail: String,
    },

    /// Another process (usually another vigil) holds the keystore's lock.
    #[error("the keystore at {} is in use by another process; close the other vigil first", dir.display())]
    InUse {
        /// The keystore directory.
        dir: PathBuf,
    },

    /// The database opened but has no header: an interrupted `init` or damage.
    #[error(
        "keystore at {} has no header (interrupted `vigil init` or damage); restore it from a \
         backup, or move the directory away and run `vigil init` again",
        dir.display()
    )]
    HeaderMissing {
        /// The keystore directory.
        dir: PathBuf,
    },

    /// Accidental corruption of the header (checksum, magic or length wrong).
    #[error("keystore header is corrupted ({detail}); restore the keystore from a backup")]
    HeaderCorrupted {
        /// What exactly did not check out.
        detail: &'static str,
    },

    /// The header was written by a format this build does not know.
    #[error(
        "keystore format version {found} is not supported (this vigil reads version {supported}); \
         use the vigil release that created it"
    )]
    UnsupportedVersion {
        /// Version byte found on disk.
        found: u8,
        /// Version this build reads and writes.
        supported: u8,
    },

    /// Argon2id parameters below the OWASP floor or above the work cap.
    #[error(
        "Argon2id parameters m={m_kib} KiB, t={t}, p={p} are outside the accepted range \
         (m {min_m}..={max_m} KiB, t {min_t}..={max_t}, p {min_p}..={max_p}); a header asking for \
         this is damaged or hostile",
        min_m = crate::params::MIN_M_KIB,
        max_m = crate::params::MAX_M_KIB,
        min_t = crate::params::MIN_T,
        max_t = crate::params::MAX_T,
        min_p = crate::params::MIN_P,
        max_p = crate::params::MAX_P
    )]
    KdfParamsOutOfRange {
        /// Memory cost in KiB.
        m_kib: u32,
        /// Iterations.
        t: u32,
        /// Lanes.
        p: u32,
    },

    /// Wrong passphrase OR wrong/replayed/expired code OR unknown recovery code: one message
    /// on purpose, so a guesser learns nothing about which factor failed.
    #[error("wrong passphrase or second-factor code")]
    InvalidCredentials,

    /// Too many failed unlocks; the growing delay has not elapsed yet.
    #[error("too many failed unlock attempts; wait {} s before trying again", wait.as_secs().max(1))]
    TooSoon {
        /// How long until the next attempt is accepted.
        wait: Duration,
    },

    /// A record failed authentication: flipped bytes, truncation, or moved from another name.
    #[error(
        "keystore record `{name}` failed authentication (corrupted, tampered with, or moved \
         from another name); restore the keystore from a backup"
    )]
    RecordCorrupted {
        /// The record's name (user records) or internal role (`totp`, `recovery`).
        name: String,
    },

    /// The failed-attempt counter record is malformed.
    #[error("the keystore's failed-attempt counter is corrupted; restore the keystore from a backup")]
    CounterCorrupted,

    /// A record name the vault will not store.
    #[error("invalid record name: {reason}")]
    InvalidName {
        /// Why it was refused.
        reason: &'static str,
    },

    /// A plaintext too large for one AES-GCM record.
    #[error("value is too large to store as one keystore record")]
    TooLarge,

    /// The storage backend failed (disk full, I/O error, internal corruption).
    #[error("keystore storage failed: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// A filesystem operation on the keystore directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path being worked on.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// Argon2id itself refused to run (e.g. could not allocate its memory).
    #[error("Argon2id key derivation failed: {0}")]
    Kdf(argon2::Error),

    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),

    /// `setrlimit(RLIMIT_CORE, 0)` failed.
    #[error("could not disable core dumps: {0}")]
    CoreDumps(#[source] std::io::Error),
}

impl Error {
    /// Shorthand for a filesystem error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
