//! Industry use cases.

use yuverse_core::db::Database;
use yuverse_core::{Actor, Error, Permission};

use crate::domain::Place;
use crate::store;

#[derive(Debug, Clone)]
pub struct Industry {
    db: Database,
}

impl Industry {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Every place as a GeoJSON feature collection.
    pub async fn places(&self, actor: &Actor) -> Result<geojson::FeatureCollection, Error> {
        actor.require(Permission::PlacesRead)?;
        let mut conn = self.db.pool.acquire().await?;
        let places = store::list(&mut conn).await?;
        Ok(geojson::FeatureCollection {
            bbox: None,
            features: places.into_iter().map(|(id, p)| feature(id, p)).collect(),
            foreign_members: None,
        })
    }

    pub async fn place_count(&self) -> Result<i64, Error> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(store::count(&mut conn).await?)
    }

    /// Inserts a data-set place inside the loader's transaction.
    pub async fn seed_place(conn: &mut sqlx::AnyConnection, place: &Place) -> Result<(), Error> {
        store::insert(conn, place).await?;
        Ok(())
    }
}

fn feature(id: String, place: Place) -> geojson::Feature {
    let mut properties = serde_json::Map::new();
    properties.insert("id".into(), id.clone().into());
    properties.insert("code".into(), place.code.into());
    properties.insert("name".into(), place.name.into());
    properties.insert("name_en".into(), place.name_en.into());
    properties.insert("kind".into(), place.kind.as_str().into());
    properties.insert("parent".into(), place.parent.into());
    properties.insert("clusters".into(), place.clusters.into());
    properties.insert("scenario_domains".into(), place.scenario_domains.into());
    properties.insert("operator".into(), place.operator.into());
    geojson::Feature {
        bbox: None,
        geometry: Some(place.geometry),
        id: Some(geojson::feature::Id::String(id)),
        properties: Some(properties),
        foreign_members: None,
    }
}
