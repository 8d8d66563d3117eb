//! One engine per data dir, many front ends: the process that owns a data
//! dir's engine (`vigil run --headless`, `vigil tui`, `vigil demo`) serves
//! it on `<data-dir>/vigil.sock`, and `vigil attach`, `vigil status` and the
//! one-shot commands reach it there instead of opening the store (which
//! sled's lock would refuse them anyway).

mod candles;
mod client;
mod connection;
mod listen;
mod policy;
mod protocol;
mod reply;

pub use client::{ConnectError, Ended, Hello, RemoteEngine};
pub use connection::{EngineFacts, SNAPSHOT_EVERY};
pub use listen::{EngineServer, ServerError, engine_answers, peer_allowed, socket_path};
pub use policy::{Access, permit};
pub use protocol::{
    ClientFrame, MAX_CLIENT_FRAME, MAX_SERVER_FRAME, PROTOCOL, ReplyValue, SOCKET_NAME, ServerFrame, Welcome,
    codec as frame_codec,
};
