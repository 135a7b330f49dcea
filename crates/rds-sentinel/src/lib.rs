//! rds-sentinel: monitoring, quorum, leader election and automatic failover of rds-server and
//! redis-server masters, speaking Redis 7.0 Sentinel's protocol to servers, clients and other
//! sentinels (so a quorum may mix rds-sentinel and redis-sentinel processes).
//!
//! One task, the core, owns all sentinel state (masters, replicas, other sentinels, epochs) and runs
//! the timer, the monitoring links and the failover state machine; everything else talks to it over
//! channels, so the state needs no lock and every decision is taken in one total order, as in Redis's
//! single-threaded sentinel.
//!
//! Front (client side): `config` (sentinel.conf in and out), `server` (client connections; `conn`
//! runs one, checking each command against rds-commands' sentinel table; `client_cmd`, `acl_cmd`
//! serve CLIENT and ACL), `acl_users` (ACL users and permissions), `pubsub` (event channels),
//! `scripts` (notification and client-reconfig scripts).
//! Engine: `model` (instances and their flags), `core` (the state, the timer and the async shell),
//! `link` (connections to instances, shared by the entries of one peer sentinel), `monitor` (PING/INFO/hello traffic, SDOWN/ODOWN), `info`
//! (INFO parsing and the reconfigurations it triggers), `hello` (sentinel discovery, config
//! propagation), `failover` (epochs, votes, the failover state machine), `commands`, `settings`,
//! `report` and `stats` (the commands the core answers and their replies).

use bytes::Bytes;
use rds_resp::Protocol;
use tokio::sync::oneshot;

mod acl_cmd;
pub mod acl_users;
mod client_cmd;
pub mod commands;
pub mod config;
mod conn;
pub mod core;
pub mod failover;
pub mod hello;
pub mod info;
pub mod link;
pub mod model;
pub mod monitor;
pub mod pubsub;
pub mod report;
pub mod scripts;
pub mod server;
pub mod settings;
pub mod stats;

/// A command from a sentinel client that the core answers: everything but the connection-local
/// commands (AUTH, HELLO, CLIENT, PING, QUIT, RESET and the SUBSCRIBE family), which `server` serves.
#[derive(Debug)]
pub struct CoreRequest {
    /// The command and its arguments as the client sent them.
    pub args: Vec<Bytes>,
    /// The protocol of the asking connection (RESP3 turns instance descriptions into maps).
    pub protocol: Protocol,
    /// Where the encoded reply goes.
    pub reply: oneshot::Sender<Vec<u8>>,
}
