//! Where @context documents that are not stored in the broker come from. The platform runs on
//! closed networks, so the order is: contexts hosted here (by their path, whatever host name
//! the client used), documents pre-loaded from a URL → file map, a local folder that mirrors
//! URLs (`<dir>/<host>/<path>`), and only when the operator allows it, a download with a
//! timeout. Anything else is `LdContextNotAvailable`.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use yuverse_twin_context::{ContextCache, ContextError, ContextLoader};

use crate::outbound::Outbound;

/// The path hosted contexts are served under.
pub const HOSTED_PATH: &str = "/ngsi-ld/v1/jsonldContexts/";

/// The URL prefix the broker serves contexts under, as the client of `headers` reaches it
/// (the broker knows no public address of its own).
pub fn hosted_base_url(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}{HOSTED_PATH}")
}

/// Largest @context document read from a file or downloaded.
const MAX_DOCUMENT_BYTES: u64 = 4 * 1024 * 1024;

/// The operator's choices about @context sources.
#[derive(Debug, Clone, Default)]
pub struct ContextSourcesConfig {
    /// URL → document, read from the files of the config's `context_map` at start.
    pub preloaded: HashMap<String, Value>,
    /// A folder mirroring URLs: `https://example.org/ctx/a.jsonld` is `<dir>/example.org/ctx/a.jsonld`.
    pub dir: Option<PathBuf>,
    /// Download contexts found nowhere else, waiting at most this long; `None` never downloads.
    pub fetch_timeout: Option<Duration>,
    /// The TLS trust of downloads.
    pub outbound: Outbound,
}

/// The loader behind the broker's context cache.
pub struct Sources<'a> {
    pub config: &'a ContextSourcesConfig,
    pub cache: &'a ContextCache,
}

impl ContextLoader for Sources<'_> {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        if let Some((_, id)) = url.rsplit_once(HOSTED_PATH) {
            if let Some(stored) = self.cache.get(id).filter(|s| s.kind.is_served()) {
                return Ok((*stored.document).clone());
            }
        }
        if let Some(doc) = self.config.preloaded.get(url) {
            return Ok(doc.clone());
        }
        if let Some(path) = self.config.dir.as_deref().and_then(|d| mirror_path(d, url)) {
            if path.is_file() {
                return read_file(url, &path);
            }
        }
        match self.config.fetch_timeout {
            Some(timeout) => fetch(&self.config.outbound, url, timeout)
                .map_err(|why| ContextError::not_available(url, why))
                .and_then(|bytes| parse(url, &bytes)),
            None => Err(ContextError::not_available(
                url,
                "not hosted here nor pre-loaded, and fetching remote contexts is off (--ld-context-fetch)",
            )),
        }
    }
}

/// `<dir>/<host>[:port]/<path>` for an http(s) URL; `None` for anything that could leave the
/// folder (`..`, absolute parts) or is not http(s).
fn mirror_path(dir: &Path, url: &str) -> Option<PathBuf> {
    let parsed = reqwest::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = match parsed.port() {
        Some(port) => format!("{}:{port}", parsed.host_str()?),
        None => parsed.host_str()?.to_owned(),
    };
    let relative = Path::new(&host).join(parsed.path().trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(dir.join(relative))
}

fn read_file(url: &str, path: &Path) -> Result<Value, ContextError> {
    let unavailable = |why: String| ContextError::not_available(url, why);
    let size = std::fs::metadata(path)
        .map_err(|e| unavailable(e.to_string()))?
        .len();
    if size > MAX_DOCUMENT_BYTES {
        return Err(unavailable(format!(
            "{} is larger than 4 MiB",
            path.display()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| unavailable(e.to_string()))?;
    parse(url, &bytes)
}

/// A document that was obtained but is not JSON is an invalid @context, not an unavailable
/// one (clause 5.5.6: BadRequestData rather than LdContextNotAvailable).
fn parse(url: &str, bytes: &[u8]) -> Result<Value, ContextError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ContextError::Invalid(format!("the document at {url} is not JSON: {e}")))
}

/// Downloads a context. Context processing is synchronous, so the download runs on a thread
/// of its own with a small runtime and this thread waits for it, at most `timeout`; results
/// are cached, so a context is downloaded once per cache lifetime. Answers the body.
fn fetch(outbound: &Outbound, url: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let url = url.to_owned();
    let client = outbound.client(timeout, timeout);
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime.block_on(download(&client, &url))
            })
            .join()
            .unwrap_or_else(|_| Err("the download thread failed".into()))
    })
}

async fn download(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let response = client
        .get(url)
        .header("accept", "application/ld+json, application/json")
        .send()
        .await
        .map_err(|e| format!("download failed: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES)
    {
        return Err("the document is larger than 4 MiB".into());
    }
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mirror_folder_follows_host_and_path_and_never_leaves_the_folder() {
        let dir = Path::new("/srv/contexts");
        assert_eq!(
            mirror_path(dir, "https://smartdatamodels.org/context.jsonld"),
            Some(PathBuf::from(
                "/srv/contexts/smartdatamodels.org/context.jsonld"
            ))
        );
        assert_eq!(
            mirror_path(dir, "http://intranet:8080/ctx/a.jsonld"),
            Some(PathBuf::from("/srv/contexts/intranet:8080/ctx/a.jsonld"))
        );
        // The URL parser already folds `..`; what remains must be plain names.
        assert_eq!(
            mirror_path(dir, "https://h/a/../../../etc/passwd"),
            Some(PathBuf::from("/srv/contexts/h/etc/passwd"))
        );
        assert_eq!(mirror_path(dir, "file:///etc/passwd"), None);
        assert_eq!(
            mirror_path(dir, "https://h/"),
            Some(PathBuf::from("/srv/contexts/h/"))
        );
    }
}
