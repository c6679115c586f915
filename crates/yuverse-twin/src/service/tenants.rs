//! Tenants (`NGSILD-Tenant`): created implicitly by the first write; reading an unknown one is
//! `NonexistentTenant`.

use std::ops::Deref;
use std::sync::{Arc, RwLock};

use super::{poisoned, Twin};
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::store::memory::TenantState;
use crate::store::persist::Change;

pub fn check_tenant_name(name: &str) -> NgsiResult<()> {
    let ok = name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(NgsiError::bad_data(
            "NGSILD-Tenant: up to 64 characters of letters, digits, '-' and '_'",
        ))
    }
}

/// One tenant's entities, and the queue its writers wait in.
#[derive(Default)]
pub(super) struct Tenant {
    state: RwLock<TenantState>,
    /// Writers take their turn here, asynchronously, before they take `state`'s write lock.
    /// A writer waiting on the (blocking) lock itself would hold its worker thread for as long
    /// as another writer applies a batch; on a two-core server that stalls half of it.
    pub(super) writers: tokio::sync::Mutex<()>,
}

impl Deref for Tenant {
    type Target = RwLock<TenantState>;

    fn deref(&self) -> &Self::Target {
        &self.state
    }
}

impl Twin {
    /// Every tenant's name, sorted (the default tenant is the empty name).
    pub fn tenant_names(&self) -> NgsiResult<Vec<String>> {
        let mut names: Vec<String> = self
            .inner
            .tenants
            .read()
            .map_err(|_| poisoned())?
            .keys()
            .cloned()
            .collect();
        names.sort();
        Ok(names)
    }

    /// An existing tenant, for reads.
    pub(super) fn tenant(&self, name: &str) -> NgsiResult<Arc<Tenant>> {
        check_tenant_name(name)?;
        self.inner
            .tenants
            .read()
            .map_err(|_| poisoned())?
            .get(name)
            .cloned()
            .ok_or_else(|| {
                NgsiError::new(ErrorKind::NonexistentTenant, format!("no tenant `{name}`"))
            })
    }

    /// A tenant for a write, created when missing; the second value is the change that makes
    /// a new tenant durable (to submit with the write).
    pub(super) fn tenant_for_write(&self, name: &str) -> NgsiResult<(Arc<Tenant>, Option<Change>)> {
        if let Ok(t) = self.tenant(name) {
            return Ok((t, None));
        }
        check_tenant_name(name)?;
        let mut tenants = self.inner.tenants.write().map_err(|_| poisoned())?;
        if let Some(t) = tenants.get(name) {
            return Ok((t.clone(), None));
        }
        let state: Arc<Tenant> = Arc::default();
        tenants.insert(name.to_owned(), state.clone());
        Ok((
            state,
            Some(Change::Tenant {
                name: name.to_owned(),
                created_at: yuverse_core::time::now_db(),
            }),
        ))
    }
}
