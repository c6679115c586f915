//! A TLS front of the test's own before a plain MQTT broker, as a TLS-terminating load balancer
//! stands before a broker cluster: its certificate is issued by a test CA (see `test_ca`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use tokio_rustls::TlsAcceptor;

use crate::test_ca::tls_server_config;

/// The TLS front: its address, the broker behind it, and how many handshakes succeeded and
/// failed.
pub struct TlsFront {
    pub addr: SocketAddr,
    broker: Arc<OnceLock<SocketAddr>>,
    pub accepted: Arc<AtomicUsize>,
    pub refused: Arc<AtomicUsize>,
}

/// Accepts TLS on a free loopback port and relays the plain bytes to the broker named later
/// with [`TlsFront::relay_to`] (a server that trusts the front needs its CA before it starts
/// and learns its broker's port); the CA of its certificate goes to `ca_file`.
pub async fn tls_front(ca_file: &std::path::Path) -> TlsFront {
    let acceptor = TlsAcceptor::from(tls_server_config(ca_file));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (accepted, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (ok, failed) = (accepted.clone(), refused.clone());
    let broker = Arc::new(OnceLock::new());
    let relay = broker.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, ok, failed) = (acceptor.clone(), ok.clone(), failed.clone());
            let broker = *relay.get().expect("the front relays to a broker");
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    failed.fetch_add(1, Ordering::SeqCst);
                    return;
                };
                ok.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut plain) = tokio::net::TcpStream::connect(broker).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    TlsFront {
        addr,
        broker,
        accepted,
        refused,
    }
}

impl TlsFront {
    /// Names the broker the front relays to; once, before the first connection.
    pub fn relay_to(&self, broker: SocketAddr) {
        self.broker.set(broker).expect("the broker is named once");
    }
}
