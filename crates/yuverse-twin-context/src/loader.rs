//! How remote contexts are obtained: the [`ContextLoader`] trait and a few simple loaders.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::error::ContextError;

/// Obtains the JSON document behind a context URL.
///
/// The crate never opens a connection itself. The broker implements this trait with its
/// own policy (an allow flag for remote fetching, a timeout, a local folder and a URL → file
/// map for closed networks, and a cache — see [`ContextCache`](crate::ContextCache)).
///
/// `load` returns the whole dereferenced document, which must be a JSON object with an
/// `@context` member (`{"@context": …}`), exactly as served at the URL. A failure to obtain
/// it is [`ContextError::NotAvailable`]; the caller checks the document's shape.
/// The core context URLs are never asked for: the crate serves them from its embedded copy.
pub trait ContextLoader {
    /// Returns the document at `url` (an absolute URL).
    fn load(&self, url: &str) -> Result<Value, ContextError>;
}

impl<T: ContextLoader + ?Sized> ContextLoader for &T {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        (**self).load(url)
    }
}

impl<T: ContextLoader + ?Sized> ContextLoader for Box<T> {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        (**self).load(url)
    }
}

impl<T: ContextLoader + ?Sized> ContextLoader for Arc<T> {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        (**self).load(url)
    }
}

/// A fixed URL → document map: for tests, and for closed networks that ship their contexts.
/// A URL missing from the map is [`ContextError::NotAvailable`].
impl ContextLoader for HashMap<String, Value> {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        self.get(url)
            .cloned()
            .ok_or_else(|| ContextError::not_available(url, "not in the local context map"))
    }
}

/// The loader of a closed network that allows no remote context: every URL is
/// [`ContextError::NotAvailable`]. The core context still works, since it is embedded.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRemoteLoader;

impl ContextLoader for NoRemoteLoader {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        Err(ContextError::not_available(
            url,
            "fetching remote @contexts is not allowed",
        ))
    }
}

/// Adapts a closure into a [`ContextLoader`].
pub struct FnLoader<F>(pub F);

impl<F> std::fmt::Debug for FnLoader<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnLoader")
    }
}

impl<F> ContextLoader for FnLoader<F>
where
    F: Fn(&str) -> Result<Value, ContextError>,
{
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        (self.0)(url)
    }
}
