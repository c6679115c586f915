//! The devices the ingestion knows, in memory, with their live status counters, and a short
//! cache of whether each API key is live.
//!
//! Counters are kept as deltas since the last flush to `twin_devices` (every few seconds and at
//! shutdown), so the hot path never writes per message and several nodes can add into one row.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use yuverse_core::{Actor, Permission};
use yuverse_governance::Governance;

use super::domain::Device;
use super::store::StatusDelta;

/// How long a key's state is trusted before it is looked up again (so a revoked key stops its
/// devices within this time; new MQTT connections are refused at once).
const KEY_TTL: Duration = Duration::from_secs(10);
/// At most one log line per device (and one for unknown devices) in this period.
const LOG_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct LiveStatus {
    received: AtomicI64,
    errors: AtomicI64,
    last_error: Mutex<Option<(String, String)>>,
    last_seen_at: Mutex<Option<String>>,
    logged_at: Mutex<Option<Instant>>,
    unlogged: AtomicI64,
}

impl LiveStatus {
    pub fn received(&self, now: DateTime<Utc>) {
        self.received.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut seen) = self.last_seen_at.lock() {
            *seen = Some(yuverse_core::time::to_db(now));
        }
    }

    /// What has not been flushed yet (without taking it).
    pub fn pending(&self, device_id: &str) -> StatusDelta {
        StatusDelta {
            device_id: device_id.to_owned(),
            messages_received: self.received.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            last_error: self.last_error.lock().ok().and_then(|e| e.clone()),
            last_seen_at: self.last_seen_at.lock().ok().and_then(|s| s.clone()),
        }
    }

    /// Takes what has not been flushed; `None` when nothing happened.
    pub fn take(&self, device_id: &str) -> Option<StatusDelta> {
        let delta = StatusDelta {
            device_id: device_id.to_owned(),
            messages_received: self.received.swap(0, Ordering::Relaxed),
            errors: self.errors.swap(0, Ordering::Relaxed),
            last_error: self.last_error.lock().ok().and_then(|mut e| e.take()),
            last_seen_at: self.last_seen_at.lock().ok().and_then(|mut s| s.take()),
        };
        let empty = delta.messages_received == 0
            && delta.errors == 0
            && delta.last_error.is_none()
            && delta.last_seen_at.is_none();
        (!empty).then_some(delta)
    }

    /// Puts back a delta whose flush failed (newer values already here win).
    pub fn restore(&self, delta: StatusDelta) {
        self.received
            .fetch_add(delta.messages_received, Ordering::Relaxed);
        self.errors.fetch_add(delta.errors, Ordering::Relaxed);
        if let Ok(mut e) = self.last_error.lock() {
            if e.is_none() {
                *e = delta.last_error;
            }
        }
        if let Ok(mut s) = self.last_seen_at.lock() {
            if s.is_none() {
                *s = delta.last_seen_at;
            }
        }
    }
}

#[derive(Debug)]
pub struct Entry {
    pub device: Device,
    pub status: LiveStatus,
}

impl Entry {
    /// Counts a refused message and logs it (at most once per [`LOG_EVERY`] per device).
    pub fn fail(&self, reason: String, now: DateTime<Utc>) {
        self.status.errors.fetch_add(1, Ordering::Relaxed);
        let log = self.status.logged_at.lock().ok().is_some_and(|mut at| {
            let due = at.is_none_or(|t| t.elapsed() >= LOG_EVERY);
            if due {
                *at = Some(Instant::now());
            }
            due
        });
        if log {
            let suppressed = self.status.unlogged.swap(0, Ordering::Relaxed);
            tracing::warn!(device = %self.device.device_id, reason = %reason, suppressed,
                "device message refused");
        } else {
            self.status.unlogged.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut e) = self.status.last_error.lock() {
            *e = Some((reason, yuverse_core::time::to_db(now)));
        }
    }
}

/// Whether a key is live (or why not), and when that was looked up.
type KeyState = (Result<(), String>, Instant);

#[derive(Debug)]
pub struct Registry {
    devices: RwLock<HashMap<String, Arc<Entry>>>,
    /// Bumped by every local change, so that a reload read before it is not applied after it.
    epoch: AtomicU64,
    keys: Mutex<HashMap<String, KeyState>>,
    governance: Governance,
    unknown_logged_at: Mutex<Option<Instant>>,
}

impl Registry {
    pub fn new(governance: Governance, devices: Vec<Device>) -> Registry {
        let registry = Registry {
            devices: RwLock::default(),
            epoch: AtomicU64::new(0),
            keys: Mutex::default(),
            governance,
            unknown_logged_at: Mutex::default(),
        };
        registry.replace_all(devices);
        registry
    }

    pub fn get(&self, device_id: &str) -> Option<Arc<Entry>> {
        self.devices.read().ok()?.get(device_id).cloned()
    }

    pub fn insert(&self, device: Device) {
        if let Ok(mut d) = self.devices.write() {
            self.epoch.fetch_add(1, Ordering::SeqCst);
            d.insert(
                device.device_id.clone(),
                Arc::new(Entry {
                    device,
                    status: LiveStatus::default(),
                }),
            );
        }
    }

    pub fn remove(&self, device_id: &str) -> Option<Arc<Entry>> {
        let mut d = self.devices.write().ok()?;
        self.epoch.fetch_add(1, Ordering::SeqCst);
        d.remove(device_id)
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// [`Self::replace_all`] with a list read at `epoch`, unless a local change came since
    /// (then the next reload will do).
    pub fn replace_all_since(&self, epoch: u64, devices: Vec<Device>) {
        let Ok(mut map) = self.devices.write() else {
            return;
        };
        if self.epoch() == epoch {
            Self::replace(&mut map, devices);
        }
    }

    /// Every entry (to flush their status).
    pub fn entries(&self) -> Vec<Arc<Entry>> {
        self.devices
            .read()
            .map(|d| d.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Aligns memory with the stored devices (those other nodes created or deleted), keeping the
    /// live counters of devices that did not change.
    pub fn replace_all(&self, devices: Vec<Device>) {
        if let Ok(mut map) = self.devices.write() {
            Self::replace(&mut map, devices);
        }
    }

    fn replace(map: &mut HashMap<String, Arc<Entry>>, devices: Vec<Device>) {
        let mut next = HashMap::with_capacity(devices.len());
        for device in devices {
            let entry = match map.remove(&device.device_id) {
                Some(e) if e.device == device => e,
                _ => Arc::new(Entry {
                    device,
                    status: LiveStatus::default(),
                }),
            };
            next.insert(entry.device.device_id.clone(), entry);
        }
        *map = next;
    }

    pub fn unknown_device(&self, device_id: &str) {
        let due = self.unknown_logged_at.lock().ok().is_some_and(|mut at| {
            let due = at.is_none_or(|t| t.elapsed() >= LOG_EVERY);
            if due {
                *at = Some(Instant::now());
            }
            due
        });
        if due {
            tracing::warn!(device = %device_id, "MQTT message for an unknown device ignored");
        }
    }

    /// Whether the key still exists, is not revoked and carries `mqtt:publish`.
    pub async fn key_is_live(&self, key_id: &str) -> Result<(), String> {
        if let Some((state, at)) = self.keys.lock().ok().and_then(|k| k.get(key_id).cloned()) {
            if at.elapsed() < KEY_TTL {
                return state;
            }
        }
        let state = match self.governance.get_api_key(&Actor::system(), key_id).await {
            Ok(key) if key.revoked_at.is_some() => Err("the device's API key is revoked".into()),
            Ok(key)
                if !key
                    .permissions
                    .iter()
                    .any(|p| p == Permission::MqttPublish.as_str()) =>
            {
                Err("the device's API key lacks mqtt:publish".into())
            }
            Ok(_) => Ok(()),
            Err(yuverse_core::Error::NotFound(_)) => {
                Err("the device's API key no longer exists".into())
            }
            // A database hiccup should not drop measures of a key that was fine so far.
            Err(e) => {
                tracing::warn!(error = %e, "cannot check an API key; keeping its last state");
                return self
                    .keys
                    .lock()
                    .ok()
                    .and_then(|k| k.get(key_id).map(|(s, _)| s.clone()))
                    .unwrap_or(Ok(()));
            }
        };
        if let Ok(mut keys) = self.keys.lock() {
            keys.insert(key_id.to_owned(), (state.clone(), Instant::now()));
        }
        state
    }
}
