//! The pub/sub registry: who is subscribed to which channels, patterns and shard channels, and message
//! delivery into subscribers' outboxes in each subscriber's own protocol.

use std::collections::HashMap;

use bytes::Bytes;
use rds_resp::ReplyBuf;
use rds_storage::glob::glob_match;

use crate::client::{ClientKind, ClientRegistry, Session};

/// The three subscription namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// SUBSCRIBE / PUBLISH.
    Channel,
    /// PSUBSCRIBE.
    Pattern,
    /// SSUBSCRIBE / SPUBLISH.
    Shard,
}

/// One client's subscriptions, in subscription order.
#[derive(Debug, Default, Clone)]
pub struct ClientSubscriptions {
    /// Channels.
    pub channels: Vec<Bytes>,
    /// Patterns.
    pub patterns: Vec<Bytes>,
    /// Shard channels.
    pub shard_channels: Vec<Bytes>,
}

impl ClientSubscriptions {
    fn list(&mut self, namespace: Namespace) -> &mut Vec<Bytes> {
        match namespace {
            Namespace::Channel => &mut self.channels,
            Namespace::Pattern => &mut self.patterns,
            Namespace::Shard => &mut self.shard_channels,
        }
    }

    /// The count a (un)subscribe confirmation reports: channels + patterns, or shard channels.
    pub fn count(&self, namespace: Namespace) -> usize {
        match namespace {
            Namespace::Channel | Namespace::Pattern => self.channels.len() + self.patterns.len(),
            Namespace::Shard => self.shard_channels.len(),
        }
    }

    /// True when subscribed to anything.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.patterns.is_empty() && self.shard_channels.is_empty()
    }
}

/// Subscribers of every channel, pattern and shard channel.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: HashMap<Bytes, Vec<u64>>,
    patterns: HashMap<Bytes, Vec<u64>>,
    shard_channels: HashMap<Bytes, Vec<u64>>,
    clients: HashMap<u64, ClientSubscriptions>,
}

impl PubSub {
    fn map(&mut self, namespace: Namespace) -> &mut HashMap<Bytes, Vec<u64>> {
        match namespace {
            Namespace::Channel => &mut self.channels,
            Namespace::Pattern => &mut self.patterns,
            Namespace::Shard => &mut self.shard_channels,
        }
    }

    /// Subscribes `client`; false when it already was.
    pub fn subscribe(&mut self, client: u64, namespace: Namespace, name: &Bytes) -> bool {
        let subs = self.clients.entry(client).or_default();
        if subs.list(namespace).contains(name) {
            return false;
        }
        subs.list(namespace).push(name.clone());
        self.map(namespace).entry(name.clone()).or_default().push(client);
        true
    }

    /// Unsubscribes `client`; false when it was not subscribed.
    pub fn unsubscribe(&mut self, client: u64, namespace: Namespace, name: &[u8]) -> bool {
        let Some(subs) = self.clients.get_mut(&client) else { return false };
        let list = subs.list(namespace);
        let Some(position) = list.iter().position(|n| n.as_ref() == name) else { return false };
        list.remove(position);
        if subs.is_empty() {
            self.clients.remove(&client);
        }
        let map = self.map(namespace);
        if let Some(subscribers) = map.get_mut(name) {
            subscribers.retain(|id| *id != client);
            if subscribers.is_empty() {
                map.remove(name);
            }
        }
        true
    }

    /// The client's subscriptions (empty when none).
    pub fn of(&self, client: u64) -> ClientSubscriptions {
        self.clients.get(&client).cloned().unwrap_or_default()
    }

    /// Drops every subscription of a disconnected client.
    pub fn remove_client(&mut self, client: u64) {
        let subs = self.of(client);
        for (namespace, names) in [
            (Namespace::Channel, subs.channels),
            (Namespace::Pattern, subs.patterns),
            (Namespace::Shard, subs.shard_channels),
        ] {
            for name in names {
                self.unsubscribe(client, namespace, &name);
            }
        }
    }

    /// Active channels (with at least one subscriber) matching `pattern`, if given.
    pub fn active(&self, namespace: Namespace, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let map = match namespace {
            Namespace::Channel => &self.channels,
            Namespace::Pattern => &self.patterns,
            Namespace::Shard => &self.shard_channels,
        };
        map.keys().filter(|name| pattern.is_none_or(|p| glob_match(p, name, false))).cloned().collect()
    }

    /// Number of subscribers of `name`.
    pub fn subscriber_count(&self, namespace: Namespace, name: &[u8]) -> usize {
        let map = match namespace {
            Namespace::Channel => &self.channels,
            Namespace::Pattern => &self.patterns,
            Namespace::Shard => &self.shard_channels,
        };
        map.get(name).map_or(0, Vec::len)
    }

    /// Number of distinct patterns subscribed (PUBSUB NUMPAT).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Delivers `message` on `channel` to channel (or shard) subscribers and, for plain channels,
    /// pattern subscribers. Returns the number of receivers. The publishing session's own pushes go
    /// straight into its reply buffer so they precede its reply, as in Redis.
    pub fn publish(
        &self,
        clients: &mut ClientRegistry,
        current: &mut Session,
        shard: bool,
        channel: &[u8],
        message: &[u8],
    ) -> usize {
        let mut receivers = 0;
        let (map, kind): (&HashMap<Bytes, Vec<u64>>, &[u8]) =
            if shard { (&self.shard_channels, b"smessage") } else { (&self.channels, b"message") };
        if let Some(subscribers) = map.get(channel) {
            for &id in subscribers {
                deliver(clients, current, id, |out| {
                    out.push(3);
                    out.bulk(kind);
                    out.bulk(channel);
                    out.bulk(message);
                });
                receivers += 1;
            }
        }
        if shard {
            return receivers;
        }
        for (pattern, subscribers) in &self.patterns {
            if !glob_match(pattern, channel, false) {
                continue;
            }
            for &id in subscribers {
                deliver(clients, current, id, |out| {
                    out.push(4);
                    out.bulk(b"pmessage");
                    out.bulk(pattern);
                    out.bulk(channel);
                    out.bulk(message);
                });
                receivers += 1;
            }
        }
        receivers
    }
}

/// Encodes a push in the receiver's protocol and queues it.
fn deliver(clients: &mut ClientRegistry, current: &mut Session, id: u64, encode: impl FnOnce(&mut ReplyBuf)) {
    if id == current.id {
        encode(&mut current.reply);
        return;
    }
    let Some(record) = clients.get_mut(id) else { return };
    let mut out = record.push_buffer();
    encode(&mut out);
    record.push(&out.buf);
}

/// Updates the client's kind and counts after its subscriptions changed.
pub fn update_client_mode(clients: &mut ClientRegistry, id: u64, subs: &ClientSubscriptions) {
    if let Some(record) = clients.get_mut(id) {
        record.subscriptions = (subs.channels.len(), subs.patterns.len(), subs.shard_channels.len());
        if subs.is_empty() {
            if record.kind == ClientKind::PubSub {
                record.kind = ClientKind::Normal;
            }
        } else if record.kind == ClientKind::Normal {
            record.kind = ClientKind::PubSub;
        }
    }
}
