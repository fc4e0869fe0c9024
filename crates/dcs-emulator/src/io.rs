//! A TCP stream the server can abort, so a fault can reset a connection (RST) mid-exchange.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Shared switch: once set, the connection fails every read and write and closes with RST.
#[derive(Debug, Clone, Default)]
pub(crate) struct AbortSwitch(Arc<AtomicBool>);

impl AbortSwitch {
    pub(crate) fn trip(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn is_tripped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub(crate) struct AbortableStream {
    inner: TcpStream,
    abort: AbortSwitch,
}

impl AbortableStream {
    pub(crate) fn new(inner: TcpStream, abort: AbortSwitch) -> Self {
        Self { inner, abort }
    }

    fn check(&self) -> io::Result<()> {
        if self.abort.is_tripped() {
            let _ = self.inner.set_zero_linger();
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection reset by scripted fault",
            ));
        }
        Ok(())
    }
}

impl AsyncRead for AbortableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for AbortableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Drop for AbortableStream {
    fn drop(&mut self) {
        if self.abort.is_tripped() {
            let _ = self.inner.set_zero_linger();
        }
    }
}
