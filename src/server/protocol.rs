//! What crosses the engine's socket: length-delimited frames (a 4-byte
//! big-endian length, then one JSON value) of the same [`Command`],
//! [`Snapshot`] and [`Event`] types an in-process [`EngineHandle`] carries,
//! so a front end is the same code in-process and attached.
//!
//! Each direction has its own frame cap: a client sends commands (small),
//! the engine sends snapshots and, once, the venue's symbol catalog. A frame
//! over its cap, or one that does not decode, ends that connection only.
//!
//! [`EngineHandle`]: crate::engine::EngineHandle

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio_util::codec::LengthDelimitedCodec;

use crate::domain::{Instrument, Order, Symbol, Venue};
use crate::engine::{
    AuditCheck, CancelAllReport, Command, CommandError, Event, OneTimeCode, Snapshot, SubmitOutcome,
};
use crate::market::{Candle, Interval};
use crate::store::AuditEntry;

/// Bumped when a frame changes shape: both ends must speak the same version.
pub const PROTOCOL: u32 = 1;
/// The socket's file name inside the data dir.
pub const SOCKET_NAME: &str = "vigil.sock";
/// Largest frame a client may send: a command is a few hundred bytes.
pub const MAX_CLIENT_FRAME: usize = 256 * 1024;
/// Largest frame the engine sends: the welcome carries the venue's whole
/// symbol catalog (Binance lists a few thousand symbols, well under 8 MiB).
pub const MAX_SERVER_FRAME: usize = 32 * 1024 * 1024;

/// A client's frames.
#[derive(Debug, Serialize, Deserialize)]
pub enum ClientFrame {
    /// The first frame of every connection.
    Hello {
        protocol: u32,
        /// Who is asking, for the engine's log and audit ("vigil attach", "vigil status").
        client: String,
        /// Ask to operate the engine (`vigil attach`, a live order): the
        /// engine checks `code` and audits the attempt. Without it the
        /// client observes (and may trade on paper; see `policy`).
        operate: bool,
        code: Option<OneTimeCode>,
    },
    /// A command; its answer comes back as [`ServerFrame::Reply`] with this id.
    Request { id: u64, command: Command },
}

/// The engine's frames.
#[derive(Debug, Serialize, Deserialize)]
pub enum ServerFrame {
    /// The answer to a hello that was accepted.
    Welcome(Welcome),
    /// The answer to a hello that was not; the connection closes after it.
    Refused {
        reason: String,
    },
    /// The engine's latest state. Candle histories travel apart (see
    /// [`ServerFrame::CandleHistory`]); the series here carry only their newest candle.
    Snapshot(Arc<Snapshot>),
    /// A symbol's closed candles for one timeframe, sent when they change
    /// (a candle closed, a backfill), not with every snapshot.
    CandleHistory {
        symbol: Symbol,
        interval: Interval,
        candles: Arc<Vec<Candle>>,
    },
    Event(Event),
    Reply {
        id: u64,
        result: Result<ReplyValue, CommandError>,
    },
}

/// What a client learns when its hello is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    pub protocol: u32,
    /// The client may operate the engine (its code checked, or no keystore to check one against).
    pub operator: bool,
    /// The engine has a keystore unlocked (attach and live orders need a code).
    pub keystore: bool,
    pub venue: Venue,
    /// The venue's symbols, for the symbol search (a snapshot does not carry them).
    pub catalog: Vec<Instrument>,
    /// The configuration the engine runs with (it may differ from the file
    /// if that was edited since), as TOML.
    pub config_toml: String,
    /// The stored key a live engine trades with, so a one-shot order typed
    /// for another key (another account) is refused, not sent on this one.
    pub live_key: Option<String>,
}

/// A command's answer, whatever its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReplyValue {
    Done,
    Submit(SubmitOutcome),
    CancelAll(CancelAllReport),
    AuditPage(Vec<AuditEntry>),
    AuditCheck(AuditCheck),
    Orders(Vec<Order>),
}

/// The framing codec with a cap on the frames it reads (and writes).
pub fn codec(max_frame: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder().max_frame_length(max_frame).new_codec()
}

/// A frame's bytes.
pub fn encode<T: Serialize>(frame: &T) -> Result<bytes::Bytes, serde_json::Error> {
    serde_json::to_vec(frame).map(bytes::Bytes::from)
}

/// A frame from its bytes.
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(bytes)
}
