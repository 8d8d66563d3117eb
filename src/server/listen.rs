//! The engine's socket, `<data-dir>/vigil.sock`: bound by the process that
//! owns the data dir's engine, 0600 inside the 0700 data dir, and every
//! connection's peer checked to be this user (SO_PEERCRED) before a byte of
//! it is read.
//!
//! A socket file left by a crashed engine is replaced, but only after
//! checking nobody answers on it, and only if it is a socket: a regular
//! file or a symlink there is refused, never removed.

use std::fs::{self, Permissions};
use std::io;
use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::net::{UnixListener, UnixStream};
use tokio::task::{JoinHandle, JoinSet};

use super::connection::{self, EngineFacts};
use super::protocol::SOCKET_NAME;
use crate::engine::EngineHandle;
use crate::store::effective_uid;

/// Why the socket could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("another vigil already serves {0} (one engine per data dir): attach to it with `vigil attach`")]
    InUse(PathBuf),
    #[error("{0} exists and is not a socket: remove it (vigil will not delete a file it did not make)")]
    NotASocket(PathBuf),
    #[error("cannot serve {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// The socket being served. Dropping it stops accepting; [`EngineServer::stop`]
/// also removes the socket file.
#[derive(Debug)]
pub struct EngineServer {
    path: PathBuf,
    accept: JoinHandle<()>,
}

/// The socket path of a data dir.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

/// True when an engine answers on `data_dir`'s socket.
pub async fn engine_answers(data_dir: &Path) -> bool {
    UnixStream::connect(socket_path(data_dir)).await.is_ok()
}

/// Whether a connecting peer may talk to the engine: only the user it runs as.
pub fn peer_allowed(peer_uid: u32, own_uid: u32) -> Result<(), String> {
    if peer_uid == own_uid {
        Ok(())
    } else {
        Err(format!("refused a connection from uid {peer_uid}: only uid {own_uid} may use this engine"))
    }
}

impl EngineServer {
    /// Binds `<data_dir>/vigil.sock` and serves `handle` on it.
    pub async fn start(
        data_dir: &Path,
        handle: EngineHandle,
        facts: EngineFacts,
    ) -> Result<Self, ServerError> {
        let path = socket_path(data_dir);
        let io_err = |source| ServerError::Io { path: path.clone(), source };
        clear_stale(&path).await?;
        let listener = UnixListener::bind(&path).map_err(io_err)?;
        // The data dir (0700) already keeps others out; the mode says so too.
        fs::set_permissions(&path, Permissions::from_mode(0o600)).map_err(io_err)?;
        let accept = tokio::spawn(accept_loop(listener, handle, facts));
        Ok(Self { path, accept })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops serving and removes the socket file (the next start finds none).
    pub fn stop(self) {
        self.accept.abort();
        if let Err(err) = fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %err, "could not remove the engine socket");
        }
    }
}

impl Drop for EngineServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Removes a socket a crashed engine left behind; refuses a live one or
/// anything that is not a socket.
async fn clear_stale(path: &Path) -> Result<(), ServerError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(ServerError::Io { path: path.to_owned(), source }),
    };
    if !meta.file_type().is_socket() {
        return Err(ServerError::NotASocket(path.to_owned()));
    }
    if UnixStream::connect(path).await.is_ok() {
        return Err(ServerError::InUse(path.to_owned()));
    }
    tracing::info!(path = %path.display(), "replacing a socket left by an engine that did not stop cleanly");
    fs::remove_file(path).map_err(|source| ServerError::Io { path: path.to_owned(), source })
}

/// Clients served at once: a person's terminals and scripts, with room to
/// spare. Past it a new connection is closed at once (and logged), so no
/// client can exhaust the process's file descriptors.
const MAX_CONNECTIONS: usize = 32;
/// The pause after a failed accept (out of descriptors, say): never a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(200);
/// At most one warning of the accept loop per this long.
const WARN_EVERY: Duration = Duration::from_secs(10);

async fn accept_loop(listener: UnixListener, handle: EngineHandle, facts: EngineFacts) {
    let own_uid = effective_uid();
    // Connections live as long as this loop: stopping the server ends them.
    let mut connections = JoinSet::new();
    // A flood of connections must not flood the log (and rotate it away).
    let mut quiet_until = Instant::now();
    let mut warn = |text: String| {
        if Instant::now() >= quiet_until {
            tracing::warn!("engine socket: {text}");
            quiet_until = Instant::now() + WARN_EVERY;
        }
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(err) => {
                        warn(format!("accept failed ({err}); pausing"));
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                };
                if connections.len() >= MAX_CONNECTIONS {
                    warn(format!("{MAX_CONNECTIONS} clients already; new ones are closed"));
                    continue;
                }
                let peer = stream.peer_cred().map(|cred| cred.uid());
                match peer.map_err(|e| e.to_string()).and_then(|uid| peer_allowed(uid, own_uid)) {
                    Ok(()) => {
                        let (handle, facts) = (handle.clone(), facts.clone());
                        connections.spawn(async move {
                            if let Err(err) = connection::serve(stream, handle, facts).await {
                                tracing::warn!(error = %err, "engine socket: a client was disconnected");
                            }
                        });
                    }
                    Err(reason) => warn(reason),
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_engines_own_user_is_let_in() {
        assert!(peer_allowed(1000, 1000).is_ok());
        let refused = peer_allowed(1001, 1000).expect_err("another uid");
        assert!(refused.contains("uid 1001"), "{refused}");
        assert!(peer_allowed(0, 1000).is_err(), "not even root: the engine's user attaches as itself");
    }
}
