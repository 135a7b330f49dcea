//! rds-server: the listener, connection tasks, dispatcher, command handlers and server state.
//!
//! Layout:
//! - [`server`]: startup, listeners, cron, shutdown.
//! - [`conn`]: one task per connection; batches pipelined requests under one lock.
//! - [`busy_poll`]: keeps the event loop polling instead of sleeping while clients keep it busy.
//! - [`dispatch`]: table-driven checks, handler call, propagation and stats.
//! - [`ctx`]: what handlers see; [`cmd`]: the handlers, one file per command family.
//! - [`state`], [`client`], [`propagate`], [`monitor`]: server state, clients, the effect stream,
//!   slow log and latency monitor.
//! - [`repl`]: replication, master and replica sides (Redis 7.0 PSYNC2).
//! - [`persist`]: RDB snapshots (SAVE, BGSAVE, loading) and the multi-part append-only file.
//!
//! Depends on rds-resp, rds-commands, rds-storage and rds-config; nothing depends on this crate but the
//! `rds-server` binary.

pub mod blocking;
pub mod busy_poll;
pub mod client;
pub mod cmd;
pub mod conn;
pub mod ctx;
pub mod dispatch;
pub mod error;
pub mod evict;
pub mod memory;
pub mod monitor;
pub mod notify;
pub mod persist;
pub mod propagate;
pub mod pubsub;
pub mod repl;
pub mod replica_expire;
pub mod server;
pub mod sha1;
pub mod startup;
pub mod state;
pub mod stream;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tracking;
pub mod watch;

pub use server::{bind, Server, StartError};
