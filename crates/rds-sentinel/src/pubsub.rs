//! The sentinel's event channels (`+sdown`, `+switch-master`, ...): clients SUBSCRIBE/PSUBSCRIBE to
//! them; the core publishes every event it logs.
//!
//! The registry is shared by the core (which publishes) and the connection tasks (which subscribe),
//! so it sits behind a `std::sync::Mutex` held only for short map updates, never across `.await`.
//! Each connection registers a [`Mailbox`] when it starts: published frames are encoded in the
//! subscriber's protocol and queued there, and the connection task writes them to its socket.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rds_resp::{Protocol, ReplyBuf};
use tokio::sync::mpsc;

/// Redis's hard `client-output-buffer-limit pubsub` (32 MB): a subscriber with more than this queued
/// is disconnected instead of letting the sentinel's memory grow without bound.
pub const PUBSUB_HARD_LIMIT_BYTES: usize = 32 * 1024 * 1024;
/// Redis's soft `client-output-buffer-limit pubsub` (8 MB for 60 s): a subscriber that stays above it
/// that long is disconnected too.
pub const PUBSUB_SOFT_LIMIT_BYTES: usize = 8 * 1024 * 1024;
/// How long a subscriber may stay above the soft limit.
pub const PUBSUB_SOFT_LIMIT_SECONDS: u64 = 60;

/// The two subscription namespaces a sentinel serves (there are no shard channels in sentinel mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE / UNSUBSCRIBE.
    Channel,
    /// PSUBSCRIBE / PUNSUBSCRIBE (Redis glob patterns).
    Pattern,
}

/// Shared registry of channel and pattern subscribers; cheap to clone.
#[derive(Clone, Default)]
pub struct EventBus {
    inner: Arc<Mutex<Registry>>,
}

#[derive(Default)]
struct Registry {
    /// Channel → subscribing clients, in subscription order.
    channels: HashMap<Bytes, Vec<u64>>,
    /// Pattern → subscribing clients; patterns in first-subscription order, so delivery is deterministic.
    patterns: Vec<(Bytes, Vec<u64>)>,
    /// Every registered connection.
    clients: HashMap<u64, Subscriber>,
}

struct Subscriber {
    protocol: Protocol,
    tx: mpsc::UnboundedSender<Bytes>,
    queued: Arc<AtomicUsize>,
    /// Since when the queue has been above the soft limit (reset when it drops below).
    soft_since: Option<Instant>,
    channels: Vec<Bytes>,
    patterns: Vec<Bytes>,
}

impl Subscriber {
    fn list(&mut self, kind: Kind) -> &mut Vec<Bytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
        }
    }

    fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }
}

/// A connection's queue of published frames; unregisters the connection (and drops its
/// subscriptions) when dropped.
pub struct Mailbox {
    id: u64,
    rx: mpsc::UnboundedReceiver<Bytes>,
    queued: Arc<AtomicUsize>,
    bus: EventBus,
}

impl Mailbox {
    /// The next queued frame; `None` once the bus dropped this connection for exceeding the pubsub
    /// output limit (the connection must then close, as Redis closes it).
    pub async fn recv(&mut self) -> Option<Bytes> {
        let frame = self.rx.recv().await?;
        self.queued.fetch_sub(frame.len(), Ordering::Relaxed);
        Some(frame)
    }

    /// A queued frame if one is ready (used to flush pushes ahead of a reply, keeping Redis's order).
    pub fn try_recv(&mut self) -> Option<Bytes> {
        let frame = self.rx.try_recv().ok()?;
        self.queued.fetch_sub(frame.len(), Ordering::Relaxed);
        Some(frame)
    }

    /// Bytes published to this connection and not yet taken out.
    pub fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        self.bus.unregister(self.id);
    }
}

impl EventBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // A panic while holding the lock leaves maps that are still consistent (each update is one
        // push/remove), so keep serving rather than propagate the poison.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a connection; published frames for it arrive in the returned mailbox.
    pub fn register(&self, client: u64, protocol: Protocol) -> Mailbox {
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let subscriber = Subscriber {
            protocol,
            tx,
            queued: queued.clone(),
            soft_since: None,
            channels: Vec::new(),
            patterns: Vec::new(),
        };
        self.lock().clients.insert(client, subscriber);
        Mailbox { id: client, rx, queued, bus: self.clone() }
    }

    /// Records the protocol a connection switched to with HELLO, for the frames published next.
    pub fn set_protocol(&self, client: u64, protocol: Protocol) {
        if let Some(subscriber) = self.lock().clients.get_mut(&client) {
            subscriber.protocol = protocol;
        }
    }

    fn unregister(&self, client: u64) {
        let mut registry = self.lock();
        registry.remove_subscriptions(client);
        registry.clients.remove(&client);
    }

    /// Subscribes `client` to a channel or pattern (a no-op when it already is); returns how many
    /// channels and patterns it is subscribed to now, the count the confirmation reports.
    pub fn subscribe(&self, client: u64, kind: Kind, name: &Bytes) -> usize {
        let mut registry = self.lock();
        let Some(subscriber) = registry.clients.get_mut(&client) else { return 0 };
        if subscriber.list(kind).contains(name) {
            return subscriber.count();
        }
        subscriber.list(kind).push(name.clone());
        let count = subscriber.count();
        match kind {
            Kind::Channel => registry.channels.entry(name.clone()).or_default().push(client),
            Kind::Pattern => match registry.patterns.iter_mut().find(|(p, _)| p == name) {
                Some((_, clients)) => clients.push(client),
                None => registry.patterns.push((name.clone(), vec![client])),
            },
        }
        count
    }

    /// Unsubscribes `client` from a channel or pattern (a no-op when it was not subscribed); returns
    /// how many channels and patterns it is still subscribed to.
    pub fn unsubscribe(&self, client: u64, kind: Kind, name: &[u8]) -> usize {
        let mut registry = self.lock();
        registry.unsubscribe(client, kind, name);
        registry.clients.get(&client).map_or(0, Subscriber::count)
    }

    /// The channels or patterns `client` is subscribed to, in subscription order.
    pub fn subscriptions(&self, client: u64, kind: Kind) -> Vec<Bytes> {
        let mut registry = self.lock();
        registry.clients.get_mut(&client).map(|s| s.list(kind).clone()).unwrap_or_default()
    }

    /// Published bytes queued for `client` and not yet written (CLIENT LIST `omem`).
    pub fn queued_bytes(&self, client: u64) -> usize {
        self.lock().clients.get(&client).map_or(0, |s| s.queued.load(Ordering::Relaxed))
    }

    /// Number of channels plus patterns `client` is subscribed to (non-zero: RESP2 subscribed mode).
    pub fn subscription_count(&self, client: u64) -> usize {
        self.lock().clients.get(&client).map_or(0, Subscriber::count)
    }

    /// Drops every subscription of `client` without confirmations (RESET).
    pub fn unsubscribe_all(&self, client: u64) {
        self.lock().remove_subscriptions(client);
    }

    /// Channels with at least one subscriber (INFO `pubsub_channels`).
    pub fn channel_count(&self) -> usize {
        self.lock().channels.len()
    }

    /// Patterns with at least one subscriber (INFO `pubsub_patterns`).
    pub fn pattern_count(&self) -> usize {
        self.lock().patterns.len()
    }

    /// Delivers `message` on `channel` as `message` frames to channel subscribers and `pmessage`
    /// frames to matching pattern subscribers, each in its own protocol; returns the number of
    /// receivers. A subscriber whose queue exceeds the pubsub hard limit is disconnected.
    pub fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        self.publish_at(channel, message, Instant::now())
    }

    fn publish_at(&self, channel: &[u8], message: &[u8], now: Instant) -> usize {
        let mut guard = self.lock();
        let registry = &mut *guard;
        let mut frames = FrameCache::default();
        let mut receivers = 0;
        let mut overflowed = Vec::new();
        if let Some(ids) = registry.channels.get(channel) {
            for id in ids {
                if let Some(subscriber) = registry.clients.get_mut(id) {
                    let frame = frames.message(subscriber.protocol, channel, message);
                    deliver(*id, subscriber, frame, now, &mut overflowed);
                    receivers += 1;
                }
            }
        }
        for (pattern, ids) in &registry.patterns {
            if !rds_glob::glob_match(pattern, channel, false) {
                continue;
            }
            for id in ids {
                if let Some(subscriber) = registry.clients.get_mut(id) {
                    let frame = pmessage(subscriber.protocol, pattern, channel, message);
                    deliver(*id, subscriber, frame, now, &mut overflowed);
                    receivers += 1;
                }
            }
        }
        for id in overflowed {
            tracing::warn!("Client id={id} scheduled to be closed ASAP for overcoming of output buffer limits.");
            registry.remove_subscriptions(id);
            registry.clients.remove(&id);
        }
        receivers
    }
}

impl Registry {
    fn unsubscribe(&mut self, client: u64, kind: Kind, name: &[u8]) {
        let Some(subscriber) = self.clients.get_mut(&client) else { return };
        let list = subscriber.list(kind);
        let Some(position) = list.iter().position(|n| n.as_ref() == name) else { return };
        list.remove(position);
        match kind {
            Kind::Channel => {
                if let Some(clients) = self.channels.get_mut(name) {
                    clients.retain(|id| *id != client);
                    if clients.is_empty() {
                        self.channels.remove(name);
                    }
                }
            }
            Kind::Pattern => {
                if let Some(index) = self.patterns.iter().position(|(p, _)| p.as_ref() == name) {
                    let clients = &mut self.patterns[index].1;
                    clients.retain(|id| *id != client);
                    if clients.is_empty() {
                        self.patterns.remove(index);
                    }
                }
            }
        }
    }

    fn remove_subscriptions(&mut self, client: u64) {
        let Some(subscriber) = self.clients.get_mut(&client) else { return };
        let channels = std::mem::take(&mut subscriber.channels);
        let patterns = std::mem::take(&mut subscriber.patterns);
        for channel in channels {
            if let Some(clients) = self.channels.get_mut(&channel) {
                clients.retain(|id| *id != client);
                if clients.is_empty() {
                    self.channels.remove(&channel);
                }
            }
        }
        for pattern in patterns {
            if let Some(index) = self.patterns.iter().position(|(p, _)| *p == pattern) {
                let clients = &mut self.patterns[index].1;
                clients.retain(|id| *id != client);
                if clients.is_empty() {
                    self.patterns.remove(index);
                }
            }
        }
    }
}

/// `message` frames are the same bytes for every subscriber of a protocol: encode each once.
#[derive(Default)]
struct FrameCache {
    resp2: Option<Bytes>,
    resp3: Option<Bytes>,
}

impl FrameCache {
    fn message(&mut self, protocol: Protocol, channel: &[u8], message: &[u8]) -> Bytes {
        let slot = match protocol {
            Protocol::Resp2 => &mut self.resp2,
            Protocol::Resp3 => &mut self.resp3,
        };
        slot.get_or_insert_with(|| {
            let mut out = ReplyBuf { protocol, ..ReplyBuf::default() };
            out.push(3);
            out.bulk(b"message");
            out.bulk(channel);
            out.bulk(message);
            out.buf.freeze()
        })
        .clone()
    }
}

fn pmessage(protocol: Protocol, pattern: &[u8], channel: &[u8], message: &[u8]) -> Bytes {
    let mut out = ReplyBuf { protocol, ..ReplyBuf::default() };
    out.push(4);
    out.bulk(b"pmessage");
    out.bulk(pattern);
    out.bulk(channel);
    out.bulk(message);
    out.buf.freeze()
}

/// Queues `frame` for a subscriber and applies Redis's pubsub output limits: over the hard limit,
/// or over the soft limit for longer than its period, the subscriber is dropped.
fn deliver(id: u64, subscriber: &mut Subscriber, frame: Bytes, now: Instant, overflowed: &mut Vec<u64>) {
    let queued = subscriber.queued.fetch_add(frame.len(), Ordering::Relaxed) + frame.len();
    // A closed receiver means the connection is going away: its Drop unregisters it.
    let _ = subscriber.tx.send(frame);
    let over_soft = if queued > PUBSUB_SOFT_LIMIT_BYTES {
        let since = *subscriber.soft_since.get_or_insert(now);
        now.saturating_duration_since(since) > Duration::from_secs(PUBSUB_SOFT_LIMIT_SECONDS)
    } else {
        subscriber.soft_since = None;
        false
    };
    if (queued > PUBSUB_HARD_LIMIT_BYTES || over_soft) && !overflowed.contains(&id) {
        overflowed.push(id);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn drain(mailbox: &mut Mailbox) -> Vec<Bytes> {
        std::iter::from_fn(|| mailbox.try_recv()).collect()
    }

    #[test]
    fn channel_and_pattern_subscribers_get_frames_in_their_protocol() {
        let bus = EventBus::new();
        let mut a = bus.register(1, Protocol::Resp2);
        let mut b = bus.register(2, Protocol::Resp3);
        assert_eq!(bus.subscribe(1, Kind::Channel, &Bytes::from_static(b"+sdown")), 1);
        assert_eq!(bus.subscribe(2, Kind::Pattern, &Bytes::from_static(b"+*")), 1);
        assert_eq!(bus.subscribe(2, Kind::Pattern, &Bytes::from_static(b"-*")), 2);
        assert_eq!(bus.publish(b"+sdown", b"master m 1.2.3.4 1"), 2);
        assert_eq!(
            drain(&mut a),
            vec![Bytes::from_static(b"*3\r\n$7\r\nmessage\r\n$6\r\n+sdown\r\n$18\r\nmaster m 1.2.3.4 1\r\n")]
        );
        assert_eq!(
            drain(&mut b),
            vec![Bytes::from_static(
                b">4\r\n$8\r\npmessage\r\n$2\r\n+*\r\n$6\r\n+sdown\r\n$18\r\nmaster m 1.2.3.4 1\r\n"
            )]
        );
        assert_eq!(bus.publish(b"-sdown", b"x"), 1);
        assert_eq!(bus.publish(b"other", b"x"), 0);
        assert_eq!((bus.channel_count(), bus.pattern_count()), (1, 2));
    }

    #[test]
    fn glob_classes_and_escapes_follow_redis() {
        let bus = EventBus::new();
        let mut a = bus.register(1, Protocol::Resp2);
        bus.subscribe(1, Kind::Pattern, &Bytes::from_static(b"[-+]s?own"));
        bus.subscribe(1, Kind::Pattern, &Bytes::from_static(b"\\*literal"));
        assert_eq!(bus.publish(b"+sdown", b""), 1);
        assert_eq!(bus.publish(b"-sdown", b""), 1);
        assert_eq!(bus.publish(b"+odown", b""), 0);
        assert_eq!(bus.publish(b"*literal", b""), 1);
        assert_eq!(bus.publish(b"xliteral", b""), 0);
        assert_eq!(drain(&mut a).len(), 3);
    }

    #[test]
    fn unsubscribe_and_drop_clean_up() {
        let bus = EventBus::new();
        let a = bus.register(1, Protocol::Resp2);
        let _b = bus.register(2, Protocol::Resp2);
        let chan = Bytes::from_static(b"+tilt");
        bus.subscribe(1, Kind::Channel, &chan);
        bus.subscribe(2, Kind::Channel, &chan);
        assert_eq!(bus.subscribe(1, Kind::Channel, &chan), 1, "resubscribing is a no-op");
        assert_eq!(bus.unsubscribe(2, Kind::Channel, b"+tilt"), 0);
        assert_eq!(bus.unsubscribe(2, Kind::Channel, b"+tilt"), 0);
        assert_eq!(bus.channel_count(), 1);
        drop(a);
        assert_eq!(bus.channel_count(), 0);
        assert_eq!(bus.publish(b"+tilt", b""), 0);
    }

    #[test]
    fn protocol_switch_and_reset() {
        let bus = EventBus::new();
        let mut a = bus.register(7, Protocol::Resp2);
        bus.subscribe(7, Kind::Channel, &Bytes::from_static(b"c"));
        bus.subscribe(7, Kind::Pattern, &Bytes::from_static(b"c*"));
        assert_eq!(bus.subscriptions(7, Kind::Pattern), vec![Bytes::from_static(b"c*")]);
        bus.set_protocol(7, Protocol::Resp3);
        assert_eq!(bus.publish(b"c", b"m"), 2);
        let frames = drain(&mut a);
        assert!(frames.iter().all(|f| f.starts_with(b">")));
        bus.unsubscribe_all(7);
        assert_eq!(bus.subscription_count(7), 0);
        assert_eq!((bus.channel_count(), bus.pattern_count()), (0, 0));
    }

    #[test]
    fn a_subscriber_over_the_soft_limit_for_its_period_is_dropped() {
        let bus = EventBus::new();
        let slow = bus.register(1, Protocol::Resp2);
        let mut fast = bus.register(2, Protocol::Resp2);
        bus.subscribe(1, Kind::Channel, &Bytes::from_static(b"c"));
        bus.subscribe(2, Kind::Channel, &Bytes::from_static(b"c"));
        let big = vec![b'x'; 1024 * 1024];
        let start = Instant::now();
        // 9 MB queued: over the soft limit, not yet for long.
        for _ in 0..9 {
            bus.publish_at(b"c", &big, start);
            drain(&mut fast);
        }
        bus.publish_at(b"c", b"", start + Duration::from_secs(30));
        assert_eq!(bus.subscription_count(1), 1);
        // Still over it after the period: dropped. The subscriber that keeps up stays.
        bus.publish_at(b"c", b"", start + Duration::from_secs(61));
        assert_eq!(bus.subscription_count(1), 0);
        assert_eq!(bus.subscription_count(2), 1);
        assert!(slow.queued_bytes() > PUBSUB_SOFT_LIMIT_BYTES);
    }

    #[test]
    fn falling_below_the_soft_limit_restarts_its_period() {
        let bus = EventBus::new();
        let mut slow = bus.register(1, Protocol::Resp2);
        bus.subscribe(1, Kind::Channel, &Bytes::from_static(b"c"));
        let big = vec![b'x'; 1024 * 1024];
        let start = Instant::now();
        for _ in 0..9 {
            bus.publish_at(b"c", &big, start);
        }
        drain(&mut slow);
        bus.publish_at(b"c", b"", start + Duration::from_secs(40));
        for _ in 0..9 {
            bus.publish_at(b"c", &big, start + Duration::from_secs(41));
        }
        bus.publish_at(b"c", b"", start + Duration::from_secs(70));
        assert_eq!(bus.subscription_count(1), 1, "the period restarted at 41 s");
    }

    #[test]
    fn a_subscriber_over_the_hard_limit_is_dropped() {
        let bus = EventBus::new();
        let mut slow = bus.register(1, Protocol::Resp2);
        bus.subscribe(1, Kind::Channel, &Bytes::from_static(b"c"));
        let big = vec![b'x'; 1024 * 1024];
        for _ in 0..40 {
            bus.publish(b"c", &big);
        }
        assert_eq!(bus.subscription_count(1), 0);
        assert!(slow.queued_bytes() > PUBSUB_HARD_LIMIT_BYTES);
        // The frames queued before the cut are still delivered, then the mailbox reports closure.
        let delivered = drain(&mut slow).len();
        assert!(delivered > 30);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert_eq!(runtime.block_on(slow.recv()), None);
    }
}
