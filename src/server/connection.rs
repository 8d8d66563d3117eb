//! One client of the engine's socket: the hello, then snapshots (at most
//! [`SNAPSHOT_EVERY`], the latest one wins), events as they happen, and the
//! answers to its requests. A slow client only slows its own connection:
//! the engine publishes into channels that never wait for a reader.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::UnixStream;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use super::candles::SentHistories;
use super::policy::{Access, permit};
use super::protocol::{
    self, ClientFrame, MAX_CLIENT_FRAME, MAX_SERVER_FRAME, PROTOCOL, ServerFrame, Welcome,
};
use super::reply::{PendingReply, install};
use crate::domain::Origin;
use crate::engine::{Command, CommandError, EngineHandle, Event};

/// The fastest a client is sent snapshots: a screen redrawn ten times a
/// second is live to a person, and a busy feed cannot flood the socket.
pub const SNAPSHOT_EVERY: Duration = Duration::from_millis(100);
/// How long a new connection has to say hello.
const HELLO_WITHIN: Duration = Duration::from_secs(10);
/// Requests of one client the engine may hold at once: past this, the
/// connection reads no more until answers go out, so no client can fill the
/// engine's queue (and stand between the kill switch and the engine).
const IN_FLIGHT: usize = 4;
/// Numbers connections, so a preview's answer goes back to whoever asked.
static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// What the server knows that a connection needs.
#[derive(Debug, Clone)]
pub struct EngineFacts {
    /// A keystore is unlocked in the engine (attaching needs a code).
    pub keystore: bool,
    /// The configuration the engine runs with, as TOML (`vigil config show`).
    pub config_toml: String,
    /// The stored key a live engine trades with (`--key NAME`).
    pub live_key: Option<String>,
}

type Reader = FramedRead<tokio::net::unix::OwnedReadHalf, LengthDelimitedCodec>;
type Writer = FramedWrite<tokio::net::unix::OwnedWriteHalf, LengthDelimitedCodec>;

/// Why a connection ended early (logged; the engine carries on).
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed frame: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("{0}")]
    Protocol(String),
}

/// Serves one client until it leaves, misbehaves, or the engine stops.
pub async fn serve(
    stream: UnixStream,
    handle: EngineHandle,
    facts: EngineFacts,
) -> Result<(), ConnectionError> {
    let (read, write) = stream.into_split();
    let mut reader = FramedRead::new(read, protocol::codec(MAX_CLIENT_FRAME));
    let mut writer = FramedWrite::new(write, protocol::codec(MAX_SERVER_FRAME));
    let Some(access) = greet(&mut reader, &mut writer, &handle, &facts).await? else {
        return Ok(());
    };
    let mut snapshots = handle.watch();
    let mut events = handle.events();
    let mut histories = SentHistories::default();
    let mut replies: FuturesUnordered<_> = FuturesUnordered::new();
    send_snapshot(&mut writer, &mut histories, &handle).await?;
    snapshots.borrow_and_update();
    let mut next_snapshot = Instant::now() + SNAPSHOT_EVERY;
    let mut snapshot_due = false;
    let connection = NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed);
    loop {
        tokio::select! {
            frame = reader.next(), if replies.len() < IN_FLIGHT => {
                let Some(frame) = frame else { return Ok(()) };
                match protocol::decode::<ClientFrame>(&frame?)? {
                    ClientFrame::Hello { .. } => return Err(ConnectionError::Protocol("a second hello".into())),
                    ClientFrame::Request { id, mut command } => {
                        own(&mut command, access, connection);
                        if let Some(pending) = request(&handle, access, id, command, &mut writer).await? {
                            replies.push(async move { (id, pending.await) });
                        }
                    }
                }
            }
            Some((id, result)) = replies.next(), if !replies.is_empty() => {
                // The engine published the command's effects before answering:
                // the client sees them with the answer, not a frame later.
                if snapshots.has_changed().unwrap_or(false) {
                    snapshots.borrow_and_update();
                    send_snapshot(&mut writer, &mut histories, &handle).await?;
                    next_snapshot = Instant::now() + SNAPSHOT_EVERY;
                    snapshot_due = false;
                }
                send(&mut writer, &ServerFrame::Reply { id, result }).await?;
            }
            event = events.recv() => match event {
                Ok(Event::Preview { request, checks }) => {
                    // Previews are broadcast by the engine: only the asker's go out.
                    if request >> PREVIEW_SHIFT == connection {
                        let request = request & PREVIEW_MASK;
                        send(&mut writer, &ServerFrame::Event(Event::Preview { request, checks })).await?;
                    }
                }
                Ok(event) => send(&mut writer, &ServerFrame::Event(event)).await?,
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return Ok(()),
            },
            changed = snapshots.changed(), if !snapshot_due => {
                if changed.is_err() {
                    return Ok(());
                }
                snapshot_due = true;
            }
            () = sleep_until(next_snapshot), if snapshot_due => {
                snapshots.borrow_and_update();
                send_snapshot(&mut writer, &mut histories, &handle).await?;
                next_snapshot = Instant::now() + SNAPSHOT_EVERY;
                snapshot_due = false;
            }
        }
    }
}

/// Reads the hello and answers it: the client's access, or `None` when it was refused.
async fn greet(
    reader: &mut Reader,
    writer: &mut Writer,
    handle: &EngineHandle,
    facts: &EngineFacts,
) -> Result<Option<Access>, ConnectionError> {
    let frame = timeout(HELLO_WITHIN, reader.next())
        .await
        .map_err(|_| ConnectionError::Protocol("no hello".into()))?;
    // Closed without a word: someone checked that an engine answers (`engine_answers`).
    let Some(frame) = frame else { return Ok(None) };
    let frame = frame?;
    let ClientFrame::Hello { protocol: version, client, operate, code } = protocol::decode(&frame)? else {
        return Err(ConnectionError::Protocol("a request before the hello".into()));
    };
    if version != PROTOCOL {
        let reason =
            format!("this engine speaks protocol {PROTOCOL}, the client {version}: use the same vigil build");
        send(writer, &ServerFrame::Refused { reason }).await?;
        return Ok(None);
    }
    let client: String = client.chars().filter(|c| !c.is_control()).take(64).collect();
    let operator = if operate {
        match handle.request(|reply| Command::Attach { code, client: client.clone(), reply }).await {
            Ok(()) => true,
            Err(err) => {
                send(writer, &ServerFrame::Refused { reason: err.to_string() }).await?;
                return Ok(None);
            }
        }
    } else {
        false
    };
    let snapshot = handle.snapshot();
    // Always set by the engine; were it not, the stricter rules apply.
    let venue = snapshot.venue.unwrap_or(crate::domain::Venue::Live);
    let welcome = Welcome {
        protocol: PROTOCOL,
        operator,
        keystore: facts.keystore,
        venue,
        catalog: snapshot.symbols.instruments().to_vec(),
        config_toml: facts.config_toml.clone(),
        live_key: facts.live_key.clone(),
    };
    send(writer, &ServerFrame::Welcome(welcome)).await?;
    tracing::info!(client = %client, operator, "client connected to the engine socket");
    Ok(Some(Access { operator, venue }))
}

/// A preview's request id carries its connection in the high bits.
const PREVIEW_SHIFT: u32 = 32;
const PREVIEW_MASK: u64 = (1 << PREVIEW_SHIFT) - 1;

/// What a client may not choose for itself: an order over the socket is a
/// person's (never a strategy's), one from a client that is not an operator
/// always waits for its `[y/N]`, and a preview is tagged with its connection.
fn own(command: &mut Command, access: Access, connection: u64) {
    match command {
        Command::Submit { intent, hold, .. } => {
            intent.origin = Origin::Manual;
            *hold |= !access.operator;
        }
        Command::Amend { hold, .. } => *hold |= !access.operator,
        Command::Preview { request, .. } => {
            *request = (connection << PREVIEW_SHIFT) | (*request & PREVIEW_MASK);
        }
        _ => {}
    }
}

/// Passes a request to the engine, or refuses it; the answer to wait for, if any.
async fn request(
    handle: &EngineHandle,
    access: Access,
    id: u64,
    mut command: Command,
    writer: &mut Writer,
) -> Result<Option<PendingReply>, ConnectionError> {
    if let Err(reason) = permit(&command, access) {
        send(writer, &ServerFrame::Reply { id, result: Err(CommandError::Refused(reason)) }).await?;
        return Ok(None);
    }
    let pending = install(&mut command);
    if handle.send(command).is_err() {
        send(writer, &ServerFrame::Reply { id, result: Err(CommandError::EngineStopped) }).await?;
        return Ok(None);
    }
    Ok(pending)
}

async fn send_snapshot(
    writer: &mut Writer,
    histories: &mut SentHistories,
    handle: &EngineHandle,
) -> Result<(), ConnectionError> {
    let snapshot = handle.snapshot();
    let (updates, light) = histories.split(&snapshot);
    for update in updates {
        let frame = ServerFrame::CandleHistory {
            symbol: update.symbol,
            interval: update.interval,
            candles: update.candles,
        };
        send(writer, &frame).await?;
    }
    send(writer, &ServerFrame::Snapshot(std::sync::Arc::new(light))).await
}

async fn send(writer: &mut Writer, frame: &ServerFrame) -> Result<(), ConnectionError> {
    writer.send(protocol::encode(frame)?).await?;
    Ok(())
}
