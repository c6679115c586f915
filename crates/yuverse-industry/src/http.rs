//! `/api/v1/places`.

use axum::extract::{FromRef, State};
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::Error;
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use crate::Industry;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Industry: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(list_places))
}

/// The district's parks, areas and scenario sites as a GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/api/v1/places", tag = "places",
    responses((status = 200, content_type = "application/geo+json",
               description = "FeatureCollection; properties: id, code, name, name_en, kind, parent, clusters, scenario_domains, operator"),
              (status = 401, body = Problem)))]
async fn list_places(
    State(industry): State<Industry>,
    auth: Authenticated,
) -> Result<impl IntoResponse, Error> {
    let collection = industry.places(&auth.actor).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        collection.to_string(),
    ))
}
