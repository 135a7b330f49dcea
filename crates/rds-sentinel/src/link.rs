//! One TCP connection from the sentinel to a master, replica or other sentinel, as a task.
//!
//! The core queues commands on a [`LinkHandle`] (even before the connection is up, like hiredis's
//! async context) and gets every reply back as a [`LinkEvent`] tagged with the link's id; it keeps
//! the FIFO of what each reply answers. Dropping the handle ends the task, so closing a link is
//! synchronous for the core and late replies from an old connection carry an id nobody owns.

use std::time::Duration;

use bytes::BytesMut;
use rds_resp::frame::{decode_frame, Frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

/// How long a connection attempt may take. Redis has no connect timeout but drops a link whose
/// PING is stuck after `SENTINEL_MIN_LINK_RECONNECT_PERIOD` (15 s); the same bound applies here.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(15_000);

/// Largest reply buffered from an instance before the link is dropped (INFO is a few KiB).
const MAX_BUFFERED: usize = 64 * 1024 * 1024;

/// What a link task reports to the core.
#[derive(Debug)]
pub enum LinkEvent {
    /// The TCP connection is up; `local_ip` is our side's address (used in hello messages).
    Connected {
        /// Link id.
        link: u64,
        /// Local IP of the socket.
        local_ip: String,
    },
    /// One reply or pushed message.
    Frame {
        /// Link id.
        link: u64,
        /// The decoded frame.
        frame: Frame,
    },
    /// The connection failed or closed; the task has ended.
    Closed {
        /// Link id.
        link: u64,
        /// Why, for the log.
        reason: String,
    },
}

/// The core's end of a link: queue commands; drop to close.
#[derive(Debug)]
pub struct LinkHandle {
    /// Unique id carried by this link's events.
    pub id: u64,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    /// Dropped with the handle, which wakes a task still connecting.
    _close: oneshot::Sender<()>,
}

impl LinkHandle {
    /// Queues one command (an array of bulk strings). False if the task is gone.
    pub fn send(&self, args: &[&[u8]]) -> bool {
        self.tx.send(encode_command(args)).is_ok()
    }

    /// A handle whose commands go to `tx` instead of a socket (unit tests).
    pub fn detached(id: u64, tx: mpsc::UnboundedSender<Vec<u8>>) -> LinkHandle {
        let (close, _) = oneshot::channel();
        LinkHandle { id, tx, _close: close }
    }
}

/// RESP encoding of a request.
pub fn encode_command(args: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + args.iter().map(|a| a.len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Starts a connection to `ip:port`; commands queued now are written once it is up.
pub fn spawn(id: u64, ip: String, port: u16, events: mpsc::UnboundedSender<LinkEvent>) -> LinkHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let (close, close_rx) = oneshot::channel();
    tokio::spawn(async move {
        let reason = run(id, &ip, port, rx, close_rx, &events).await;
        if let Some(reason) = reason {
            let _ = events.send(LinkEvent::Closed { link: id, reason });
        }
    });
    LinkHandle { id, tx, _close: close }
}

/// Runs the connection; returns why it ended, or None when the core dropped the handle.
async fn run(
    id: u64,
    ip: &str,
    port: u16,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    mut close_rx: oneshot::Receiver<()>,
    events: &mpsc::UnboundedSender<LinkEvent>,
) -> Option<String> {
    let connect = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((ip, port)));
    let stream = tokio::select! {
        result = connect => match result {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return Some(e.to_string()),
            Err(_) => return Some("Connection timed out".to_string()),
        },
        // The handle was dropped while connecting: the core no longer wants this link.
        _ = &mut close_rx => return None,
    };
    let _ = stream.set_nodelay(true);
    let local_ip = stream.local_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    if events.send(LinkEvent::Connected { link: id, local_ip }).is_err() {
        return None;
    }
    let (mut reader, mut writer) = stream.into_split();
    let mut buf = BytesMut::with_capacity(16 * 1024);
    loop {
        tokio::select! {
            command = rx.recv() => {
                let mut out = command?;
                while let Ok(more) = rx.try_recv() {
                    out.extend_from_slice(&more);
                }
                // A peer that stops reading must not keep a dropped link alive.
                tokio::select! {
                    written = writer.write_all(&out) => {
                        if let Err(e) = written {
                            return Some(e.to_string());
                        }
                    }
                    _ = &mut close_rx => return None,
                }
            }
            read = reader.read_buf(&mut buf) => {
                match read {
                    Ok(0) => return Some("Server closed the connection".to_string()),
                    Ok(_) => {}
                    Err(e) => return Some(e.to_string()),
                }
                loop {
                    match decode_frame(&mut buf) {
                        Ok(Some(frame)) => {
                            if events.send(LinkEvent::Frame { link: id, frame }).is_err() {
                                return None;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => return Some(e.to_string()),
                    }
                }
                if buf.len() > MAX_BUFFERED {
                    return Some("reply too large".to_string());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_requests_as_bulk_arrays() {
        assert_eq!(encode_command(&[b"PING"]), b"*1\r\n$4\r\nPING\r\n".to_vec());
        assert_eq!(encode_command(&[b"AUTH", b""]), b"*2\r\n$4\r\nAUTH\r\n$0\r\n\r\n".to_vec());
    }

    #[tokio::test]
    async fn garbage_replies_close_the_link_without_panicking() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let handle = spawn(7, "127.0.0.1".into(), port, events_tx);
        assert!(handle.send(&[b"PING"]));
        let (mut peer, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 14];
        peer.read_exact(&mut request).await.unwrap();
        assert_eq!(&request, b"*1\r\n$4\r\nPING\r\n");
        peer.write_all(b"+PONG\r\n?garbage\r\n").await.unwrap();
        assert!(matches!(events.recv().await, Some(LinkEvent::Connected { link: 7, .. })));
        match events.recv().await {
            Some(LinkEvent::Frame { link: 7, frame }) => assert_eq!(frame, Frame::Simple("PONG".into())),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(events.recv().await, Some(LinkEvent::Closed { link: 7, .. })));
    }

    #[tokio::test]
    async fn refused_connections_report_closed() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let _handle = spawn(9, "127.0.0.1".into(), port, events_tx);
        assert!(matches!(events.recv().await, Some(LinkEvent::Closed { link: 9, .. })));
    }
}
