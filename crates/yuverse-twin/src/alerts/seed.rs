//! The default rules, written once on the first start (a mark in `dataset_loads`), so an
//! operator who edits or deletes them keeps their choice.

use yuverse_core::{ids, time, Error};

use super::model::{Rule, Severity};
use super::rule::StoredRule;
use super::{store, PlaceDirectory};
use yuverse_core::db::Database;

/// The code of 铜锣山矿山公园 in `data/yubei/places.geojson`.
const MINE_PARK: &str = "tongluoshan-mine-park";

/// People at once in 铜锣山矿山公园 before it counts as over capacity: an estimate for the
/// park's open areas (about 2 km² of paths, viewing platforms and lakeside), to be tuned by
/// the park's operator.
pub const MINE_PARK_CAPACITY: u32 = 3000;

fn rule(name: &str, entity_type: &str, q: String, severity: Severity, now: &str) -> Rule {
    Rule {
        id: ids::new_id(),
        name: name.to_owned(),
        entity_type: entity_type.to_owned(),
        q,
        geofence: None,
        severity,
        enabled: true,
        auto_close: true,
        created_at: now.to_owned(),
        created_by: "system".to_owned(),
        updated_at: now.to_owned(),
        updated_by: "system".to_owned(),
    }
}

pub(super) async fn seed_once(db: &Database, places: &dyn PlaceDirectory) -> Result<(), Error> {
    {
        let mut conn = db.pool.acquire().await?;
        if store::seeded(&mut conn).await? {
            return Ok(());
        }
    }
    let now = time::now_db();
    let mut rules = vec![
        StoredRule {
            rule: rule(
                "PM2.5 超标",
                "AirQualityObserved",
                "pm25>75".into(),
                Severity::Warning,
                &now,
            ),
            area: None,
            place_name: None,
        },
        StoredRule {
            rule: rule(
                "停车场将满",
                "OffStreetParking",
                "occupancy>0.95".into(),
                Severity::Info,
                &now,
            ),
            area: None,
            place_name: None,
        },
    ];
    match places.find(MINE_PARK).await? {
        Some(park) => {
            let mut crowd = rule(
                "铜锣山矿山公园人流超限",
                "CrowdFlowObserved",
                format!("peopleCount>{MINE_PARK_CAPACITY}"),
                Severity::Critical,
                &now,
            );
            crowd.geofence = Some(serde_json::json!({ "placeId": park.id }));
            rules.push(StoredRule {
                rule: crowd,
                area: Some(park.geometry),
                place_name: Some(park.name),
            });
        }
        None => tracing::warn!(
            place = MINE_PARK,
            "the place is not in the data set; its crowd alert rule is not created"
        ),
    }
    let mut tx = db.write().await?;
    if store::seeded(tx.conn()).await? {
        return Ok(()); // another node was quicker
    }
    for r in &rules {
        store::insert_rule(tx.conn(), r).await?;
    }
    store::mark_seeded(tx.conn(), &now).await?;
    tx.commit().await?;
    tracing::info!(rules = rules.len(), "default alert rules created");
    Ok(())
}
