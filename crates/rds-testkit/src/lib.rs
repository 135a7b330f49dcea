//! Test support for rds, used only as a dev-dependency by the end-to-end tests in the root `tests/`.
//!
//! Layout:
//! - [`process`]: starts a server binary (ours or a real `redis-server`) on a free port with a private
//!   temporary `--dir`, waits until it answers PING, captures its output to a log file that is printed
//!   when a test fails, and kills it on drop.
//! - [`client`]: a tiny synchronous RESP client over `std::net::TcpStream` that returns raw reply bytes,
//!   so tests compare exactly what went over the wire.
//! - [`script`]: the differential script format (`tests/diff/*.txt`) and reply comparison modes.
//! - [`diff`]: runs a script against two servers in lockstep and lists every mismatch.
//! - [`util`]: `wait_until`, free ports, temp dirs, byte escaping, and locating real Redis binaries.
//!
//! This crate never links the server crates: it drives binaries over TCP like any client would, so the
//! same tests run unchanged against real Redis.

#![allow(clippy::unwrap_used)]

pub mod client;
pub mod diff;
pub mod process;
pub mod script;
pub mod util;

pub use client::{encode_command, Client};
pub use process::{ServerBuilder, TestServer};
pub use util::{
    escape, free_port, require_python_redis, require_redis, require_redis_sentinel, wait_until, RedisBins, TempDir,
};
