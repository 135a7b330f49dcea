//! Client sockets: TCP, or the Unix socket of `unixsocket`; the listener and the connected stream.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::client::PeerAddr;

/// A listening socket clients connect to.
#[derive(Debug)]
pub enum ClientListener {
    /// A TCP listener of `bind`/`port`.
    Tcp(TcpListener),
    /// The Unix socket listener at the `unixsocket` path.
    Unix(UnixListener, Arc<str>),
}

impl ClientListener {
    /// Accepts one client: its stream, its address and the local address, as CLIENT LIST shows them.
    pub async fn accept(&self) -> io::Result<(ClientStream, PeerAddr, PeerAddr)> {
        match self {
            ClientListener::Tcp(listener) => {
                let (stream, peer) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                let local = stream.local_addr().unwrap_or(peer);
                Ok((ClientStream::Tcp(stream), peer.into(), local.into()))
            }
            ClientListener::Unix(listener, path) => {
                let (stream, _) = listener.accept().await?;
                let addr = PeerAddr::Unix(path.clone());
                Ok((ClientStream::Unix(stream), addr.clone(), addr))
            }
        }
    }
}

/// A connected client socket.
#[derive(Debug)]
pub enum ClientStream {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix domain socket connection.
    Unix(UnixStream),
}

impl ClientStream {
    /// Waits until the socket has input (or an error) to read.
    pub async fn readable(&self) -> io::Result<()> {
        match self {
            ClientStream::Tcp(stream) => stream.readable().await,
            ClientStream::Unix(stream) => stream.readable().await,
        }
    }
}

impl AsyncRead for ClientStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Tcp(stream) => Pin::new(stream).poll_read(cx, buf),
            ClientStream::Unix(stream) => Pin::new(stream).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Tcp(stream) => Pin::new(stream).poll_write(cx, buf),
            ClientStream::Unix(stream) => Pin::new(stream).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Tcp(stream) => Pin::new(stream).poll_flush(cx),
            ClientStream::Unix(stream) => Pin::new(stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Tcp(stream) => Pin::new(stream).poll_shutdown(cx),
            ClientStream::Unix(stream) => Pin::new(stream).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Tcp(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            ClientStream::Unix(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            ClientStream::Tcp(stream) => stream.is_write_vectored(),
            ClientStream::Unix(stream) => stream.is_write_vectored(),
        }
    }
}
