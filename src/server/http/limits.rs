//! Limits at the connection level (issue 12, item 4): with none, 200 slowloris connections
//! stayed open for 50 s and, at 256 file descriptors, the server stopped answering anyone.
//!
//! - a cap on open connections: one past it is closed at once (the listener keeps accepting, so
//!   the server stays reachable as soon as a slot frees);
//! - hyper's header-read timeout, which also ends an idle keep-alive connection (it runs while
//!   the connection waits for the next request's head);
//! - a bound on the request head (HTTP/1 read buffer, HTTP/2 header list);
//! - a body that stops arriving is ended by `RequestBodyTimeoutLayer` in the router.

use axum_server::accept::Accept;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::future::{ready, Ready};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::server::config::LimitsConfig;

/// Applies the head limits and timeouts to the server's HTTP/1 and HTTP/2 settings.
pub fn configure(builder: &mut Builder<TokioExecutor>, limits: &LimitsConfig) {
    let header_timeout = Duration::from_secs(u64::from(limits.header_read_timeout_seconds));
    // hyper's smallest read buffer is 8 KiB.
    let head_bytes = (limits.max_header_bytes as usize).max(8 * 1024);
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(head_bytes)
        .max_headers(100);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(head_bytes as u32)
        .max_concurrent_streams(64)
        // A connection whose peer stops answering pings is closed.
        .keep_alive_interval(header_timeout)
        .keep_alive_timeout(header_timeout);
}

/// Closes a connection at once when `max_connections` are already open.
#[derive(Clone)]
pub struct ConnectionLimit {
    permits: Arc<Semaphore>,
}

impl ConnectionLimit {
    pub fn new(max_connections: u32) -> ConnectionLimit {
        ConnectionLimit {
            permits: Arc::new(Semaphore::new(max_connections.max(1) as usize)),
        }
    }
}

impl<S> Accept<TcpStream, S> for ConnectionLimit {
    type Stream = Limited<TcpStream>;
    type Service = S;
    type Future = Ready<io::Result<(Self::Stream, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        ready(match self.permits.clone().try_acquire_owned() {
            Ok(permit) => Ok((
                Limited {
                    inner: stream,
                    _permit: permit,
                },
                service,
            )),
            Err(_) => {
                tracing::warn!(
                    "connection refused: the server has its maximum of connections open"
                );
                Err(io::Error::other("too many connections"))
            }
        })
    }
}

/// A connection that holds its slot until it is dropped.
pub struct Limited<T> {
    inner: T,
    _permit: OwnedSemaphorePermit,
}

impl<T: AsyncRead + Unpin> AsyncRead for Limited<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Limited<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
