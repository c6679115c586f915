//! An HTTPS notification receiver whose certificate is issued by a CA of the test's own, so
//! the broker trusts it only through `--tls-ca-file`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::routing::post;
use hyper_util::rt::{TokioExecutor, TokioIo};
use reqwest::StatusCode;
use serde_json::Value;
use tokio_rustls::TlsAcceptor;

use crate::test_ca::tls_server_config;

pub struct HttpsReceiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Value>>>,
}

/// Starts the receiver and writes the test CA's certificate to `ca_file`.
pub async fn https_receiver(ca_file: &Path) -> HttpsReceiver {
    let acceptor = TlsAcceptor::from(tls_server_config(ca_file));

    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/notify",
        post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap_or(Value::Null));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}/notify",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let service = hyper_util::service::TowerToHyperService::new(app);
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                }
            });
        }
    });
    HttpsReceiver { url, received }
}
