//! sled as a file format only: a generation is written once from a full set of records
//! and read once into memory. No sled handle outlives these functions, so sled's recovery
//! (which rewrites files after a corrupt record) can only ever touch a private copy or a
//! generation that is not yet live.

use std::path::Path;

use super::files;
use super::pointer::Records;

/// What went wrong reading or writing a sled directory.
#[derive(Debug)]
pub(crate) enum SledIoError {
    /// sled itself refused (corrupt data, bad config, its own I/O).
    Sled(sled::Error),
    /// Waiting for sled to let go of its files failed.
    Io(std::io::Error),
}

impl std::fmt::Display for SledIoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SledIoError::Sled(sled::Error::Corruption { .. }) => f.write_str("sled found corrupted data"),
            SledIoError::Sled(sled::Error::Io(e)) | SledIoError::Io(e) => write!(f, "{e}"),
            SledIoError::Sled(other) => write!(f, "{other}"),
        }
    }
}

impl std::error::Error for SledIoError {}

fn config(dir: &Path) -> sled::Config {
    sled::Config::new().path(dir).flush_every_ms(None)
}

/// Every record of the sled database in `dir` (a private copy: sled may rewrite it).
pub(crate) fn read_all(dir: &Path) -> Result<Records, SledIoError> {
    let db = config(dir).open().map_err(SledIoError::Sled)?;
    let records = db
        .iter()
        .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())))
        .collect::<Result<Records, _>>()
        .map_err(SledIoError::Sled);
    drop(db);
    files::wait_until_released(dir).map_err(SledIoError::Io)?;
    records
}

/// Creates a sled database in the empty directory `dir` holding exactly `records`, flushed
/// and closed when this returns.
pub(crate) fn write_all(dir: &Path, records: &Records) -> Result<(), SledIoError> {
    let db = config(dir).create_new(true).open().map_err(SledIoError::Sled)?;
    let written = records
        .iter()
        .try_for_each(|(k, v)| db.insert(k.as_slice(), v.as_slice()).map(drop))
        .and_then(|()| db.flush().map(drop))
        .map_err(SledIoError::Sled);
    drop(db);
    files::wait_until_released(dir).map_err(SledIoError::Io)?;
    written
}
