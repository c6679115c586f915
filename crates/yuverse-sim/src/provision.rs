//! Setting the district up, idempotently on every start: the simulator's API key, the static
//! context entities (buildings, and each device's entity with its location) written through
//! the twin, and the devices provisioned through the devices service.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use yuverse_core::{Actor, Error, Page, Permission, Principal};
use yuverse_governance::service::NewApiKey;
use yuverse_governance::Governance;
use yuverse_twin::devices::{Devices, NewAttributeMapping, NewDevice};
use yuverse_twin::domain::Vocabulary;
use yuverse_twin::error::ErrorKind;
use yuverse_twin::service::batch::BatchOp;
use yuverse_twin::Twin;

use crate::district::{self, Place};
use crate::plan::{Building, SimDevice};

/// The organisation that runs the district's sensors: the unit that operates the twin
/// (区大数据发展局). API keys belong to an organisation; this one owns the simulator's.
pub const OPERATOR_CODE: &str = "big-data-bureau";
/// Where the key's secret is kept in the data dir (mode 0600), since the platform keeps only
/// its hash: a restart re-uses the key and so the devices bound to it.
pub const KEY_FILE: &str = "simulator-key.json";
/// Device ids of the simulator start with this.
pub const DEVICE_PREFIX: &str = "sim-";
/// Entities created per twin batch.
const ENTITY_BATCH: usize = 200;

/// The simulator's MQTT identity: the API key's id (the `{apikey}` of the topics and the
/// CONNECT user name) and its secret (the CONNECT password).
#[derive(Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub key_id: String,
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("key_id", &self.key_id)
            .field("secret", &"***")
            .finish()
    }
}

fn problem(what: &str, e: Error) -> anyhow::Error {
    anyhow::anyhow!("{what}: {}", e.problem().detail)
}

/// The key kept in the data dir when it is still live with `mqtt:publish`, else a new one.
pub async fn api_key(governance: &Governance, state_dir: &Path) -> anyhow::Result<Credentials> {
    let path = state_dir.join(KEY_FILE);
    if let Some(kept) = read_kept(&path) {
        match governance.authenticate_api_key(&kept.secret, None).await {
            Ok(actor) if is_key(&actor, &kept.key_id) => return Ok(kept),
            Ok(_) | Err(Error::Unauthenticated(_)) => {
                tracing::info!(key = %kept.key_id, "the simulator's API key is gone or revoked; creating another");
            }
            Err(e) => return Err(problem("checking the simulator's API key", e)),
        }
    }
    let operator = governance
        .organisation_by_code(OPERATOR_CODE)
        .await
        .map_err(|e| problem("finding the operator organisation", e))?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the organisation `{OPERATOR_CODE}` that owns the simulated devices is missing"
            )
        })?;
    let created = governance
        .create_api_key(
            &Actor::system(),
            NewApiKey {
                name: "district simulator / 城市感知模拟".into(),
                organisation_id: operator.id,
                permissions: vec![Permission::MqttPublish.as_str().to_owned()],
            },
        )
        .await
        .map_err(|e| problem("creating the simulator's API key", e))?;
    let credentials = Credentials {
        key_id: created.api_key.id,
        secret: created.key,
    };
    write_kept(&path, &credentials)?;
    Ok(credentials)
}

fn is_key(actor: &Actor, key_id: &str) -> bool {
    matches!(&actor.principal, Principal::ApiKey { key_id: id, .. } if id == key_id)
        && actor.has(Permission::MqttPublish)
}

fn read_kept(path: &Path) -> Option<Credentials> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "ignoring an unreadable simulator key file");
            None
        }
    }
}

/// Writes the file readable by the owner only, replacing any previous one in one step.
fn write_kept(path: &Path, credentials: &Credentials) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&tmp)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
    file.write_all(serde_json::to_string(credentials)?.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// Creates the entities that do not exist yet (existing ones keep their state and history).
/// Answers how many were created.
pub async fn entities(
    twin: &Twin,
    vocab: &dyn Vocabulary,
    places: &[Place],
    devices: &[SimDevice],
    buildings: &[Building],
) -> anyhow::Result<usize> {
    let mut all: Vec<Value> = buildings
        .iter()
        .map(|b| entity(&b.entity_id, "Building", b.attributes.clone()))
        .collect();
    all.extend(devices.iter().map(|d| {
        let place = &places[d.place];
        let attributes = crate::catalogue::static_attributes(
            d.kind,
            &d.traits,
            &place.name,
            d.ordinal,
            district::point_json(d.position),
        );
        entity(&d.entity_id, d.kind.entity_type(), attributes)
    }));
    let mut created = 0;
    for chunk in all.chunks(ENTITY_BATCH) {
        let result = twin
            .batch("", BatchOp::Create, &Value::Array(chunk.to_vec()), vocab)
            .await
            .map_err(|e| anyhow::anyhow!("creating the district's entities: {}", e.detail))?;
        created += result.success.len();
        for refused in result
            .errors
            .iter()
            .filter(|e| e.error.kind != ErrorKind::AlreadyExists)
        {
            tracing::warn!(entity = %refused.entity_id, error = %refused.error.detail,
                "the twin refused a simulated entity");
        }
    }
    Ok(created)
}

fn entity(id: &str, entity_type: &str, attributes: serde_json::Map<String, Value>) -> Value {
    let mut e = attributes;
    e.insert("id".into(), json!(id));
    e.insert("type".into(), json!(entity_type));
    Value::Object(e)
}

/// The simulator's devices that exist now: device id → API key id.
pub async fn existing(devices: &Devices) -> anyhow::Result<HashMap<String, String>> {
    let mut found = HashMap::new();
    let mut page = Page {
        limit: 500,
        offset: 0,
    };
    loop {
        let listed = devices
            .list(&Actor::system(), page)
            .await
            .map_err(|e| problem("listing devices", e))?;
        let n = listed.items.len() as i64;
        for view in listed.items {
            if view.device.device_id.starts_with(DEVICE_PREFIX) {
                found.insert(view.device.device_id, view.device.api_key_id);
            }
        }
        if n < page.limit {
            return Ok(found);
        }
        page.offset += n;
    }
}

/// Provisions one device unless it exists with this key; one bound to an older key (whose
/// secret is lost) is provisioned again. Answers whether anything was written.
pub async fn device(
    devices: &Devices,
    existing: &HashMap<String, String>,
    key: &Credentials,
    d: &SimDevice,
) -> anyhow::Result<bool> {
    match existing.get(&d.device_id) {
        Some(bound) if *bound == key.key_id => return Ok(false),
        Some(_) => match devices.delete(&Actor::system(), &d.device_id).await {
            Ok(()) | Err(Error::NotFound(_)) => {}
            Err(e) => return Err(problem(&format!("replacing device {}", d.device_id), e)),
        },
        None => {}
    }
    let new = NewDevice {
        device_id: d.device_id.clone(),
        entity_name: d.entity_id.clone(),
        entity_type: d.kind.entity_type().to_owned(),
        api_key_id: key.key_id.clone(),
        organisation_id: None,
        tenant: None,
        attributes: d
            .kind
            .mappings()
            .iter()
            .map(|(object_id, name, unit)| NewAttributeMapping {
                object_id: (*object_id).to_owned(),
                name: (*name).to_owned(),
                attr_type: None,
                unit_code: unit.map(str::to_owned),
            })
            .collect(),
        explicit_attrs: true,
    };
    match devices.create(&Actor::system(), new).await {
        Ok(_) => Ok(true),
        // Created meanwhile (another node, or a listing that was already stale).
        Err(Error::Conflict(_)) => Ok(false),
        Err(e) => Err(problem(&format!("provisioning device {}", d.device_id), e)),
    }
}
