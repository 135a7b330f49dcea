//! The byte streams under the encoder and decoder: both count bytes and keep the running CRC-64.

use std::io::{BufRead, Write};

use crc::{Digest, Table};

use crate::error::{RdbError, Result};
use crate::CRC64;

/// Bytes the sink buffers before writing through.
const SINK_BUFFER: usize = 64 * 1024;

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
    digest: Digest<'static, u64, Table<16>>,
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

/// An I/O error at `offset`: a short read is a truncated file.
fn io_error_at(error: std::io::Error, offset: u64) -> RdbError {
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        RdbError::Truncated { offset }
    } else {
        RdbError::Io(error)
    }
}

/// The reading side's buffered state: the reader, what of its buffer was read but not yet consumed
/// (and checksummed), and a scratch buffer for reads that straddle two of its buffers.
struct Buffered<R: BufRead> {
    inner: R,
    /// Bytes at the front of `inner`'s buffer already read, not yet checksummed nor consumed. Keeping
    /// them there lets the checksum run over whole buffers instead of byte by byte.
    pending: usize,
    /// Bytes consumed from `inner`.
    consumed: u64,
    digest: Digest<'static, u64, Table<16>>,
    scratch: Vec<u8>,
}

impl<R: BufRead> Buffered<R> {
    fn io_error(&self, error: std::io::Error) -> RdbError {
        io_error_at(error, self.consumed + self.pending as u64)
    }

    /// Checksums and consumes the pending bytes.
    fn sync(&mut self) -> Result<()> {
        if self.pending > 0 {
            let pending = self.pending;
            match self.inner.fill_buf() {
                Ok(buf) => self.digest.update(&buf[..pending.min(buf.len())]),
                Err(error) => return Err(self.io_error(error)),
            }
            self.inner.consume(pending);
            self.consumed += pending as u64;
            self.pending = 0;
        }
        Ok(())
    }

    /// Bytes available after the pending ones, reading more when none are (0 at the end).
    fn available(&mut self) -> Result<usize> {
        let have = match self.inner.fill_buf() {
            Ok(buf) => buf.len() - self.pending,
            Err(error) => return Err(self.io_error(error)),
        };
        if have > 0 {
            return Ok(have);
        }
        self.sync()?;
        match self.inner.fill_buf() {
            Ok(buf) => Ok(buf.len()),
            Err(error) => Err(self.io_error(error)),
        }
    }

    fn truncated(&self) -> RdbError {
        RdbError::Truncated { offset: self.consumed + self.pending as u64 }
    }

    /// The next byte.
    fn byte(&mut self) -> Result<u8> {
        if let Ok(buf) = self.inner.fill_buf() {
            if let Some(&byte) = buf.get(self.pending) {
                self.pending += 1;
                return Ok(byte);
            }
        }
        if self.available()? == 0 {
            return Err(self.truncated());
        }
        self.byte()
    }

    /// The next `len` bytes, in place when the reader's buffer holds them, else gathered in the scratch
    /// buffer (which grows only as data arrives, so a huge claimed length costs nothing up front).
    fn take(&mut self, len: usize) -> Result<&[u8]> {
        if self.available()? >= len {
            let start = self.pending;
            let offset = self.consumed + start as u64;
            self.pending += len;
            return self.inner.fill_buf().map(|buf| &buf[start..start + len]).map_err(|e| io_error_at(e, offset));
        }
        self.scratch.clear();
        while self.scratch.len() < len {
            let have = self.available()?;
            if have == 0 {
                return Err(self.truncated());
            }
            let n = have.min(len - self.scratch.len());
            let start = self.pending;
            match self.inner.fill_buf() {
                Ok(buf) => self.scratch.extend_from_slice(&buf[start..start + n]),
                Err(error) => return Err(self.io_error(error)),
            }
            self.pending += n;
        }
        Ok(&self.scratch[..len])
    }
}

/// A reader that counts and checksums what it reads, and maps a short read to [`RdbError::Truncated`].
///
/// It reads from a `BufRead` and consumes exactly what it read, never more, so whatever follows the
/// RDB (an AOF's commands) stays in the reader for the caller.
pub struct Source<R: BufRead> {
    buf: Buffered<R>,
    /// Output of the last LZF string.
    plain: Vec<u8>,
    /// Digits of the last integer-encoded string.
    digits: [u8; 20],
}

impl<R: BufRead> Source<R> {
    /// A source reading from `inner`.
    pub fn new(inner: R) -> Self {
        let buf = Buffered { inner, pending: 0, consumed: 0, digest: CRC64.digest(), scratch: Vec::new() };
        Source { buf, plain: Vec::new(), digits: [0; 20] }
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.buf.consumed + self.buf.pending as u64
    }

    /// The CRC-64 of every byte read so far.
    pub fn checksum(&mut self) -> Result<u64> {
        self.buf.sync()?;
        Ok(self.buf.digest.clone().finalize())
    }

    /// The underlying reader, positioned right after what was read.
    pub fn into_inner(mut self) -> R {
        self.buf.inner.consume(self.buf.pending);
        self.buf.inner
    }

    /// Fills `out` exactly, checksumming the bytes when `checksummed` (the trailer is not).
    pub fn fill(&mut self, out: &mut [u8], checksummed: bool) -> Result<()> {
        if checksummed {
            out.copy_from_slice(self.buf.take(out.len())?);
            return Ok(());
        }
        self.buf.sync()?;
        let mut filled = 0;
        while filled < out.len() {
            let have = self.buf.available()?;
            if have == 0 {
                return Err(self.buf.truncated());
            }
            let n = have.min(out.len() - filled);
            match self.buf.inner.fill_buf() {
                Ok(buf) => out[filled..filled + n].copy_from_slice(&buf[..n]),
                Err(error) => return Err(self.buf.io_error(error)),
            }
            self.buf.inner.consume(n);
            self.buf.consumed += n as u64;
            filled += n;
        }
        Ok(())
    }

    /// Reads exactly `N` bytes.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.buf.take(N)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn byte(&mut self) -> Result<u8> {
        self.buf.byte()
    }

    /// The next `len` bytes, borrowed until the next read.
    pub fn take(&mut self, len: u64) -> Result<&[u8]> {
        let len = usize::try_from(len).map_err(|_| self.buf.truncated())?;
        self.buf.take(len)
    }

    /// Reads `len` bytes into a vector that grows only as data arrives.
    pub fn bytes(&mut self, len: u64) -> Result<Vec<u8>> {
        Ok(self.take(len)?.to_vec())
    }

    /// `value` in decimal, borrowed until the next read (an integer-encoded string).
    pub fn digits(&mut self, value: i64) -> &[u8] {
        crate::format_i64(value, &mut self.digits)
    }

    /// The next `compressed` bytes LZF-decompressed to exactly `plain` bytes, borrowed until the next
    /// read; `None` when they do not decompress to that.
    pub fn lzf(&mut self, compressed: u64, plain: usize) -> Result<Option<&[u8]>> {
        let len = usize::try_from(compressed).map_err(|_| self.buf.truncated())?;
        let data = self.buf.take(len)?;
        Ok(crate::lzf::decompress_into(data, plain, &mut self.plain).then_some(&self.plain[..]))
    }
}
