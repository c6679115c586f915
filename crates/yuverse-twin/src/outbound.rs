//! The broker's outgoing TLS connections: HTTPS notifications and @context downloads, `mqtts://`
//! notifications and the `mqtts://` external broker. All of them trust the same roots, built
//! here only: the system's certificate store plus the operator's own CA certificates
//! (`--tls-ca-file`), as district networks commonly run an internal CA.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

#[derive(Debug, Clone)]
pub struct Outbound {
    tls: Arc<ClientConfig>,
}

impl Default for Outbound {
    /// The system's roots only.
    fn default() -> Outbound {
        Outbound {
            tls: client_config(system_roots()),
        }
    }
}

/// The system's certificate store; a store that cannot be read is logged, not fatal: an
/// operator's own CA file may be all the platform needs.
fn system_roots() -> RootCertStore {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!(error = %e, "cannot read part of the system's certificate store");
    }
    let mut roots = RootCertStore::empty();
    let (_, ignored) = roots.add_parsable_certificates(found.certs);
    if ignored > 0 {
        tracing::debug!(
            ignored,
            "system certificates rustls cannot use were skipped"
        );
    }
    roots
}

fn client_config(roots: RootCertStore) -> Arc<ClientConfig> {
    // The process may link more than one crypto provider: name ring, which reqwest uses too.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports rustls' default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

impl Outbound {
    /// Trusts the certificates of a PEM file (one or more) besides the system's.
    pub fn with_ca_file(path: &Path) -> anyhow::Result<Outbound> {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read the CA file {}", path.display()))?;
        let extra: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .map_err(|e| {
                anyhow::anyhow!("{} holds no valid PEM certificate: {e}", path.display())
            })?;
        if extra.is_empty() {
            anyhow::bail!("{} holds no PEM certificate", path.display());
        }
        let mut roots = system_roots();
        for cert in extra {
            roots.add(cert).with_context(|| {
                format!(
                    "{} holds a certificate that is no usable CA",
                    path.display()
                )
            })?;
        }
        Ok(Outbound {
            tls: client_config(roots),
        })
    }

    /// An HTTP(S) client with these roots and timeouts.
    pub fn client(&self, timeout: Duration, connect_timeout: Duration) -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(connect_timeout.min(timeout))
            .use_preconfigured_tls((*self.tls).clone())
            .build()
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot build the outgoing HTTP client; using the defaults");
                reqwest::Client::new()
            })
    }

    /// The MQTT transport of an `mqtts://` connection: TLS with these roots.
    pub fn mqtt_tls(&self) -> rumqttc::Transport {
        rumqttc::Transport::tls_with_config(rumqttc::TlsConfiguration::Rustls(self.tls.clone()))
    }
}
