//! The other end of the engine's socket: an [`EngineHandle`] whose engine
//! runs in another process. Front ends use it exactly as an in-process one;
//! a bridge task carries commands out and snapshots, events and answers in.
//!
//! `Command::Shutdown` from a front end means "I am done" here: the bridge
//! detaches and the engine keeps running.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::UnixStream;
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, FramedWrite};

use super::candles::{HeldHistories, HistoryUpdate};
use super::listen::socket_path;
use super::protocol::{
    self, ClientFrame, MAX_CLIENT_FRAME, MAX_SERVER_FRAME, PROTOCOL, ServerFrame, Welcome,
};
use super::reply::{ReplySlot, take_slot};
use crate::domain::SymbolCatalog;
use crate::engine::{Command, EngineEnds, EngineHandle, OneTimeCode};

/// Why no engine could be reached.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing serves this data dir (no socket, or nobody answers on it).
    #[error("no vigil engine is running on this data dir")]
    NoEngine,
    #[error("the engine refused: {0}")]
    Refused(String),
    #[error("the engine's socket: {0}")]
    Io(#[from] io::Error),
    #[error("the engine's socket: {0}")]
    Protocol(String),
}

/// Who connects, and whether it asks to operate (see the server's policy).
#[derive(Debug, Clone)]
pub struct Hello {
    pub client: String,
    pub operate: bool,
    pub code: Option<OneTimeCode>,
}

/// A connection to a running engine.
#[derive(Debug)]
pub struct RemoteEngine {
    pub handle: EngineHandle,
    pub welcome: Welcome,
    bridge: JoinHandle<Ended>,
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The front end detached; the engine runs on.
    Detached,
    /// The engine went away (it stopped, or the connection broke).
    EngineGone(String),
}

impl RemoteEngine {
    /// Connects to the engine serving `data_dir`, says hello and waits for the
    /// first snapshot, so the handle's snapshot is the engine's from the start.
    pub async fn connect(data_dir: &Path, hello: Hello) -> Result<Self, ConnectError> {
        let stream = match UnixStream::connect(socket_path(data_dir)).await {
            Ok(stream) => stream,
            Err(err) if matches!(err.kind(), io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused) => {
                return Err(ConnectError::NoEngine);
            }
            Err(err) => return Err(err.into()),
        };
        let (read, write) = stream.into_split();
        let mut reader = FramedRead::new(read, protocol::codec(MAX_SERVER_FRAME));
        let mut writer = FramedWrite::new(write, protocol::codec(MAX_CLIENT_FRAME));
        let frame = ClientFrame::Hello {
            protocol: PROTOCOL,
            client: hello.client,
            operate: hello.operate,
            code: hello.code,
        };
        writer.send(protocol::encode(&frame).map_err(protocol_err)?).await?;
        let welcome = match next_frame(&mut reader).await? {
            ServerFrame::Welcome(welcome) => welcome,
            ServerFrame::Refused { reason } => return Err(ConnectError::Refused(reason)),
            other => return Err(ConnectError::Protocol(format!("expected a welcome, got {}", name(&other)))),
        };
        let (handle, ends) = EngineHandle::channel();
        let mut bridge = Bridge {
            ends,
            catalog: Arc::new(SymbolCatalog::new(welcome.catalog.clone())),
            histories: HeldHistories::default(),
            waiting: HashMap::new(),
            next_id: 0,
        };
        // The first snapshot (after the histories it needs) before anyone reads the handle.
        loop {
            let frame = next_frame(&mut reader).await?;
            let was_snapshot = matches!(frame, ServerFrame::Snapshot(_));
            bridge.on_frame(frame);
            if was_snapshot {
                break;
            }
        }
        let bridge = tokio::spawn(bridge.run(reader, writer));
        Ok(Self { handle, welcome, bridge })
    }

    /// Waits until the connection ends (the front end detached, or the engine went away).
    pub async fn ended(self) -> Ended {
        self.bridge.await.unwrap_or_else(|err| Ended::EngineGone(err.to_string()))
    }

    /// Detaches now (as a front end's quit does) and waits for the bridge.
    pub async fn detach(self) -> Ended {
        let _ = self.handle.send(Command::Shutdown);
        self.ended().await
    }
}

type Reader = FramedRead<tokio::net::unix::OwnedReadHalf, tokio_util::codec::LengthDelimitedCodec>;
type Writer = FramedWrite<tokio::net::unix::OwnedWriteHalf, tokio_util::codec::LengthDelimitedCodec>;

struct Bridge {
    ends: EngineEnds,
    catalog: Arc<SymbolCatalog>,
    histories: HeldHistories,
    /// Answers awaited, by request id.
    waiting: HashMap<u64, ReplySlot>,
    next_id: u64,
}

impl Bridge {
    async fn run(mut self, mut reader: Reader, mut writer: Writer) -> Ended {
        loop {
            tokio::select! {
                command = self.ends.commands.recv() => {
                    let Some(mut command) = command else { return Ended::Detached };
                    if matches!(command, Command::Shutdown) {
                        return Ended::Detached;
                    }
                    self.next_id = self.next_id.wrapping_add(1);
                    let id = self.next_id;
                    if let Some(slot) = take_slot(&mut command) {
                        self.waiting.insert(id, slot);
                    }
                    let sent = match protocol::encode(&ClientFrame::Request { id, command }) {
                        Ok(bytes) => writer.send(bytes).await.map_err(|e| e.to_string()),
                        Err(err) => Err(err.to_string()),
                    };
                    if let Err(err) = sent {
                        return Ended::EngineGone(err);
                    }
                }
                frame = reader.next() => match frame {
                    None => return Ended::EngineGone("the engine closed the connection".to_owned()),
                    Some(Err(err)) => return Ended::EngineGone(err.to_string()),
                    Some(Ok(bytes)) => match protocol::decode::<ServerFrame>(&bytes) {
                        Ok(frame) => self.on_frame(frame),
                        Err(err) => return Ended::EngineGone(format!("malformed frame from the engine: {err}")),
                    },
                },
            }
        }
    }

    fn on_frame(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Snapshot(snapshot) => {
                let mut snapshot = Arc::unwrap_or_clone(snapshot);
                self.histories.restore(&mut snapshot);
                snapshot.symbols = Arc::clone(&self.catalog);
                self.ends.snapshots.send_replace(Arc::new(snapshot));
            }
            ServerFrame::CandleHistory { symbol, interval, candles } => {
                self.histories.hold(HistoryUpdate { symbol, interval, candles });
            }
            ServerFrame::Event(event) => {
                // Nobody listening is fine.
                let _ = self.ends.events.send(event);
            }
            ServerFrame::Reply { id, result } => {
                if let Some(slot) = self.waiting.remove(&id) {
                    slot.deliver(result);
                }
            }
            ServerFrame::Welcome(_) | ServerFrame::Refused { .. } => {
                tracing::warn!("the engine sent a second welcome; ignored");
            }
        }
    }
}

async fn next_frame(reader: &mut Reader) -> Result<ServerFrame, ConnectError> {
    let bytes = reader
        .next()
        .await
        .ok_or_else(|| ConnectError::Protocol("the engine closed the connection".to_owned()))??;
    protocol::decode(&bytes).map_err(protocol_err)
}

fn protocol_err(err: serde_json::Error) -> ConnectError {
    ConnectError::Protocol(err.to_string())
}

fn name(frame: &ServerFrame) -> &'static str {
    match frame {
        ServerFrame::Welcome(_) => "a welcome",
        ServerFrame::Refused { .. } => "a refusal",
        ServerFrame::Snapshot(_) => "a snapshot",
        ServerFrame::CandleHistory { .. } => "candles",
        ServerFrame::Event(_) => "an event",
        ServerFrame::Reply { .. } => "a reply",
    }
}
