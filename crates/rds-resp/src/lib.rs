//! The RESP wire protocol, as Redis 7.0 speaks it.
//!
//! Layout:
//! - [`request`]: the server-side request decoder (multibulk and inline), incremental, with Redis's limits
//!   and exact protocol-error texts. Requests are flat, so it never recurses.
//! - [`inline`]: `sdssplitargs`-compatible splitting, shared with config-file parsing.
//! - [`reply`]: [`ReplyBuf`], which writes replies straight into an output buffer in RESP2 or RESP3.
//! - [`frame`]: a full RESP3 value ([`Frame`]) and its nom-based decoder, for clients (replication links,
//!   sentinels, tests) that read replies.
//! - [`double`]: `%.17g`-style double formatting, because clients compare score strings byte for byte.
//! - [`itoa`]: integer formatting into a stack buffer (reply headers, integer replies, counters).
//!
//! This crate knows nothing of commands, storage or sockets.

pub mod double;
pub mod frame;
pub mod inline;
pub use rds_itoa as itoa;
pub mod reply;
pub mod request;

pub use frame::{Frame, FrameCodec, FrameError};
pub use reply::{Protocol, ReplyBuf};
pub use request::{ProtocolError, RequestDecoder, RequestLimits};
