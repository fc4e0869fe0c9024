//! The response body: whole bytes, or frames fed by a task (for slow, endless or broken bodies).

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// An error that ends a streamed body (hyper then aborts the connection).
#[derive(Debug)]
pub(crate) struct BodyAborted;

impl std::fmt::Display for BodyAborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("body aborted by scripted fault")
    }
}

impl std::error::Error for BodyAborted {}

pub(crate) enum EmuBody {
    Full(Option<Bytes>),
    Stream(mpsc::Receiver<Result<Bytes, BodyAborted>>),
}

impl EmuBody {
    pub(crate) fn empty() -> Self {
        EmuBody::Full(None)
    }
    pub(crate) fn bytes(b: impl Into<Bytes>) -> Self {
        let b = b.into();
        EmuBody::Full((!b.is_empty()).then_some(b))
    }
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = BodyAborted;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyAborted>>> {
        match self.get_mut() {
            EmuBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            EmuBody::Stream(rx) => match rx.poll_recv(cx) {
                Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(Frame::data(b)))),
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, EmuBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            EmuBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            EmuBody::Full(None) => SizeHint::with_exact(0),
            EmuBody::Stream(_) => SizeHint::default(),
        }
    }
}
