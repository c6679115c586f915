//! The broker's outgoing HTTP(S) connections: notifications and @context downloads. HTTPS
//! trusts the system's certificate store plus the operator's own CA certificates
//! (`--tls-ca-file`), as district networks commonly run an internal CA.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

#[derive(Debug, Clone, Default)]
pub struct Outbound {
    extra_roots: Vec<reqwest::Certificate>,
}

impl Outbound {
    /// Trusts the certificates of a PEM file (one or more) besides the system's.
    pub fn with_ca_file(path: &Path) -> anyhow::Result<Outbound> {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read the CA file {}", path.display()))?;
        let extra_roots = reqwest::Certificate::from_pem_bundle(&pem)
            .with_context(|| format!("{} holds no valid PEM certificate", path.display()))?;
        if extra_roots.is_empty() {
            anyhow::bail!("{} holds no PEM certificate", path.display());
        }
        Ok(Outbound { extra_roots })
    }

    /// A client with these roots and timeouts.
    pub fn client(&self, timeout: Duration, connect_timeout: Duration) -> reqwest::Client {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(connect_timeout.min(timeout));
        for root in &self.extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
        builder.build().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot build the outgoing HTTP client; using the defaults");
            reqwest::Client::new()
        })
    }
}
