//! Lowering the settings into each service's config and starting the
//! enabled listeners (R10: each service can be switched off alone).

use anyhow::{Context, Result};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_config::Service;

use crate::runtime::Platform;

/// Binds `service` on every configured address.
#[allow(dead_code)] // used as the servers are wired in
pub async fn bind(p: &Platform, service: Service) -> Result<Vec<TcpListener>> {
    let port = p.loaded.settings.port(service);
    let mut out = Vec::new();
    for ip in &p.loaded.settings.server.listen {
        let addr = SocketAddr::new(*ip, port);
        out.push(
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} ({})", service.key()))?,
        );
    }
    Ok(out)
}

/// Starts what is enabled and implemented; returns one line per endpoint.
pub async fn start(
    p: &Platform,
    shutdown: &CancellationToken,
    tracker: &TaskTracker,
) -> Result<Vec<String>> {
    let _ = (p, shutdown, tracker);
    let endpoints = Vec::new();
    Ok(endpoints)
}
