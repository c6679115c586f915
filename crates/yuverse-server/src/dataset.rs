//! The Yubei district data set (`data/yubei/`), compiled into the binary and loaded once into
//! an empty database: every responsible unit of the action plan as an organisation, and every
//! park, area and scenario site as a place. A marker row in `dataset_loads` makes later starts
//! skip it, so nothing is duplicated and nothing an operator deleted comes back.

use anyhow::{bail, Context};
use serde::Deserialize;
use yuverse_core::db::Database;
use yuverse_core::{ids, time};
use yuverse_governance::domain::organisation::OrganisationKind;
use yuverse_governance::service::audit::{append, AuditActor, AuditEvent};
use yuverse_governance::store::organisations::Organisation;
use yuverse_governance::Governance;
use yuverse_industry::domain::{check_geometry, Place};
use yuverse_industry::Industry;

const NAME: &str = "yubei";
const ORGANISATIONS: &str = include_str!("../../../data/yubei/organisations.json");
const PLACES: &str = include_str!("../../../data/yubei/places.geojson");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationRecord {
    code: String,
    name: String,
    name_en: Option<String>,
    kind: OrganisationKind,
    credit_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PlaceCollection {
    features: Vec<PlaceFeature>,
}

#[derive(Debug, Deserialize)]
struct PlaceFeature {
    properties: PlaceProperties,
    geometry: geojson::Geometry,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceProperties {
    code: String,
    name: String,
    name_en: Option<String>,
    kind: yuverse_industry::domain::PlaceKind,
    parent: Option<String>,
    clusters: Vec<String>,
    scenario_domains: Vec<String>,
    operator: Option<String>,
}

/// The data set, parsed and checked (codes unique, references resolve, geometries valid).
struct Dataset {
    organisations: Vec<OrganisationRecord>,
    places: Vec<Place>,
}

fn parse() -> anyhow::Result<Dataset> {
    let organisations: Vec<OrganisationRecord> =
        serde_json::from_str(ORGANISATIONS).context("data/yubei/organisations.json")?;
    let collection: PlaceCollection =
        serde_json::from_str(PLACES).context("data/yubei/places.geojson")?;
    let places: Vec<Place> = collection
        .features
        .into_iter()
        .map(|f| Place {
            code: f.properties.code,
            name: f.properties.name,
            name_en: f.properties.name_en,
            kind: f.properties.kind,
            parent: f.properties.parent,
            clusters: f.properties.clusters,
            scenario_domains: f.properties.scenario_domains,
            operator: f.properties.operator,
            geometry: f.geometry,
        })
        .collect();
    let org_codes: std::collections::HashSet<&str> =
        organisations.iter().map(|o| o.code.as_str()).collect();
    let place_codes: std::collections::HashSet<&str> =
        places.iter().map(|p| p.code.as_str()).collect();
    if org_codes.len() != organisations.len() || place_codes.len() != places.len() {
        bail!("data/yubei: codes must be unique");
    }
    for p in &places {
        if let Some(parent) = p.parent.as_deref().filter(|c| !place_codes.contains(c)) {
            bail!("data/yubei: place {} has unknown parent {parent}", p.code);
        }
        if let Some(op) = p.operator.as_deref().filter(|c| !org_codes.contains(c)) {
            bail!("data/yubei: place {} has unknown operator {op}", p.code);
        }
        check_geometry(&p.geometry)
            .map_err(|e| anyhow::anyhow!("data/yubei: place {}: {e}", p.code))?;
    }
    Ok(Dataset {
        organisations,
        places,
    })
}

/// Loads the data set unless it was loaded before. Answers whether it loaded now.
pub async fn load_yubei(db: &Database) -> anyhow::Result<bool> {
    let dataset = parse()?;
    let mut tx = db.write().await?;
    let loaded: Option<String> =
        sqlx::query_scalar("SELECT loaded_at FROM dataset_loads WHERE name = $1")
            .bind(NAME)
            .fetch_optional(tx.conn())
            .await?;
    if loaded.is_some() {
        return Ok(false);
    }
    let now = time::now_db();
    for record in &dataset.organisations {
        let organisation = Organisation {
            id: ids::new_id(),
            code: Some(record.code.clone()),
            name: record.name.clone(),
            name_en: record.name_en.clone(),
            kind: record.kind,
            credit_code: record.credit_code.clone(),
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        Governance::seed_organisation(tx.conn(), &organisation)
            .await
            .map_err(|e| anyhow::anyhow!("loading organisation {}: {e}", record.code))?;
    }
    for place in &dataset.places {
        Industry::seed_place(tx.conn(), place)
            .await
            .map_err(|e| anyhow::anyhow!("loading place {}: {e}", place.code))?;
    }
    sqlx::query("INSERT INTO dataset_loads (name, loaded_at) VALUES ($1, $2)")
        .bind(NAME)
        .bind(&now)
        .execute(tx.conn())
        .await?;
    append(
        tx.conn(),
        &AuditActor::from(&yuverse_core::Actor::system()),
        AuditEvent::new("dataset.load", Some("dataset:yubei")).detail(format!(
            "{} organisations, {} places",
            dataset.organisations.len(),
            dataset.places.len()
        )),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        organisations = dataset.organisations.len(),
        places = dataset.places.len(),
        "loaded the Yubei data set"
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundled_data_set_is_consistent() {
        let d = super::parse().unwrap();
        assert!(d.organisations.iter().any(|o| o.name == "区大数据发展局"));
        assert!(d.places.iter().any(|p| p.name == "铜锣山矿山公园"));
    }
}
