//! The byte streams under the encoder and decoder: both count bytes and keep the running CRC-64.

use std::io::{Read, Write};

use crc::Digest;

use crate::error::{RdbError, Result};
use crate::CRC64;

/// Bytes the sink buffers before writing through.
const SINK_BUFFER: usize = 64 * 1024;
/// Largest chunk read at once for a string, so a huge claimed length costs nothing until data arrives.
const READ_CHUNK: u64 = 64 * 1024;

/// Where encoded bytes go: a plain `Vec`, or a [`Sink`] that checksums and writes through.
pub trait Out {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()>;
}

impl Out for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// A buffered writer that checksums everything put through it.
pub struct Sink<W: Write> {
    inner: W,
    buf: Vec<u8>,
    digest: Digest<'static, u64>,
    written: u64,
}

impl<W: Write> Sink<W> {
    /// A sink writing to `inner`.
    pub fn new(inner: W) -> Self {
        Sink { inner, buf: Vec::with_capacity(SINK_BUFFER), digest: CRC64.digest(), written: 0 }
    }

    /// Bytes put so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The CRC-64 of every byte put so far.
    pub fn checksum(&self) -> u64 {
        self.digest.clone().finalize()
    }

    /// Writes out the buffer.
    pub fn flush_buffer(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.inner.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes out the buffer, flushes and returns the writer.
    pub fn into_inner(mut self) -> std::io::Result<W> {
        self.flush_buffer()?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Out for Sink<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.digest.update(bytes);
        self.written += bytes.len() as u64;
        if self.buf.len() + bytes.len() > SINK_BUFFER {
            self.flush_buffer()?;
        }
        if bytes.len() >= SINK_BUFFER {
            self.inner.write_all(bytes)
        } else {
            self.buf.extend_from_slice(bytes);
            Ok(())
        }
    }
}

/// A reader that counts and checksums what it reads, and maps a short read to [`RdbError::Truncated`].
pub struct Source<R: Read> {
    inner: R,
    offset: u64,
    digest: Digest<'static, u64>,
}

impl<R: Read> Source<R> {
    /// A source reading from `inner`.
    pub fn new(inner: R) -> Self {
        Source { inner, offset: 0, digest: CRC64.digest() }
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The CRC-64 of every byte read so far.
    pub fn checksum(&self) -> u64 {
        self.digest.clone().finalize()
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn io_error(&self, error: std::io::Error) -> RdbError {
        if error.kind() == std::io::ErrorKind::UnexpectedEof {
            RdbError::Truncated { offset: self.offset }
        } else {
            RdbError::Io(error)
        }
    }

    /// Fills `buf` exactly, checksumming the bytes when `checksummed`.
    pub fn fill(&mut self, buf: &mut [u8], checksummed: bool) -> Result<()> {
        if let Err(error) = self.inner.read_exact(buf) {
            return Err(self.io_error(error));
        }
        if checksummed {
            self.digest.update(buf);
        }
        self.offset += buf.len() as u64;
        Ok(())
    }

    /// Reads exactly `N` bytes.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut buf = [0u8; N];
        self.fill(&mut buf, true)?;
        Ok(buf)
    }

    /// Reads one byte.
    pub fn byte(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads `len` bytes into a vector that grows only as data arrives.
    pub fn bytes(&mut self, len: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut remaining = len;
        while remaining > 0 {
            let chunk = remaining.min(READ_CHUNK) as usize;
            let start = out.len();
            out.resize(start + chunk, 0);
            self.fill(&mut out[start..], true)?;
            remaining -= chunk as u64;
        }
        Ok(out)
    }
}
