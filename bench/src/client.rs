//! The load generators' HTTP client: one keep-alive HTTP/1.1 connection per worker, hyper's
//! own, without a pool or anything else between the worker and the socket (the load generator
//! shares the machine with the service it measures, so it should cost little).

use std::net::SocketAddr;

use axum::body::Body;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A keep-alive HTTP/1.1 connection to `address`, driven by a task of its own.
pub(crate) async fn connect(address: SocketAddr) -> anyhow::Result<SendRequest<Body>> {
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            eprintln!("connection closed: {error}");
        }
    });
    Ok(sender)
}
