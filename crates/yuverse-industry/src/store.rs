//! Persistence of places (geometry kept as GeoJSON text; spatial indexing arrives with the twin).

use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::{ids, time};

use crate::domain::{Place, PlaceKind};

pub async fn insert(conn: &mut AnyConnection, place: &Place) -> Result<(), sqlx::Error> {
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO places (id, code, name, name_en, kind, parent_code, clusters, \
         scenario_domains, operator_code, geometry, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(ids::new_id())
    .bind(&place.code)
    .bind(&place.name)
    .bind(&place.name_en)
    .bind(place.kind.as_str())
    .bind(&place.parent)
    .bind(json(&place.clusters))
    .bind(json(&place.scenario_domains))
    .bind(&place.operator)
    .bind(place.geometry.to_string())
    .bind(time::now_db())
    .execute(conn)
    .await?;
    Ok(())
}

/// Every place with its stored id, in data-set order.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<(String, Place)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, code, name, name_en, kind, parent_code, clusters, scenario_domains, \
         operator_code, geometry FROM places ORDER BY created_at, id",
    )
    .fetch_all(conn)
    .await?;
    let decode =
        |what: &str, e: serde_json::Error| sqlx::Error::Decode(format!("{what}: {e}").into());
    rows.iter()
        .map(|row| {
            let kind: String = col(row, "kind")?;
            let clusters: String = col(row, "clusters")?;
            let domains: String = col(row, "scenario_domains")?;
            let geometry: String = col(row, "geometry")?;
            Ok((
                col(row, "id")?,
                Place {
                    code: col(row, "code")?,
                    name: col(row, "name")?,
                    name_en: col(row, "name_en")?,
                    kind: PlaceKind::parse(&kind)
                        .ok_or_else(|| sqlx::Error::Decode(format!("place kind {kind}").into()))?,
                    parent: col(row, "parent_code")?,
                    clusters: serde_json::from_str(&clusters).map_err(|e| decode("clusters", e))?,
                    scenario_domains: serde_json::from_str(&domains)
                        .map_err(|e| decode("scenario_domains", e))?,
                    operator: col(row, "operator_code")?,
                    geometry: serde_json::from_str(&geometry).map_err(|e| decode("geometry", e))?,
                },
            ))
        })
        .collect()
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM places")
        .fetch_one(conn)
        .await
}
