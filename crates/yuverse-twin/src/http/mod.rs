//! `/ngsi-ld/v1`: the ETSI paths, unchanged. Handlers parse the request (content type, Accept,
//! @context, tenant, parameters), call one `Twin` method and render the answer.

mod batch;
mod context;
mod context_sources;
mod discovery;
mod distributed_batch;
mod distributed_purge;
mod distributed_writes;
pub mod documents;
mod entities;
mod federation;
mod jsonld_contexts;
mod params;
mod projection;
mod query_body;
pub mod recompact;
mod request;
mod temporal;
mod temporal_params;

use axum::extract::FromRef;
use axum::routing::{delete, get, post};
use axum::Router;
use yuverse_governance::Governance;

pub use context::{Contexts, RequestContext};
pub use context_sources::{hosted_base_url, ContextSourcesConfig};
pub use entities::respond;
pub use params::{paging, parse_query_string, selector, Paging};
pub use request::{accept, json_body, tenant, Caller};
pub use temporal_params::time_param;

use crate::Twin;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Twin: FromRef<S>,
    Governance: FromRef<S>,
    Contexts: FromRef<S>,
{
    Router::new()
        .route(
            "/ngsi-ld/v1/entities",
            post(entities::create)
                .get(entities::query)
                .delete(entities::purge)
                .put(entities::missing_id)
                .patch(entities::missing_id),
        )
        .route(
            "/ngsi-ld/v1/entities/{id}",
            get(entities::retrieve)
                .put(entities::replace)
                .patch(entities::merge)
                .delete(entities::delete_entity),
        )
        .route(
            "/ngsi-ld/v1/entities/{id}/attrs",
            post(entities::append).patch(entities::update),
        )
        .route(
            "/ngsi-ld/v1/entities/{id}/attrs/{attr}",
            delete(entities::delete_attribute)
                .patch(entities::partial_update)
                .put(entities::replace_attribute),
        )
        .route("/ngsi-ld/v1/entityOperations/create", post(batch::create))
        .route("/ngsi-ld/v1/entityOperations/upsert", post(batch::upsert))
        .route("/ngsi-ld/v1/entityOperations/update", post(batch::update))
        .route("/ngsi-ld/v1/entityOperations/merge", post(batch::merge))
        .route("/ngsi-ld/v1/entityOperations/delete", post(batch::delete))
        .route(
            "/ngsi-ld/v1/entityOperations/query",
            post(entities::query_post),
        )
        .route("/ngsi-ld/v1/types", get(discovery::types))
        .route("/ngsi-ld/v1/types/{type}", get(discovery::type_info))
        .route("/ngsi-ld/v1/attributes", get(discovery::attributes))
        .route(
            "/ngsi-ld/v1/attributes/{attr}",
            get(discovery::attribute_info),
        )
        .route(
            "/ngsi-ld/v1/temporal/entities",
            get(temporal::query).post(temporal::create),
        )
        .route(
            "/ngsi-ld/v1/temporal/entities/{id}",
            get(temporal::retrieve).delete(temporal::delete_entity),
        )
        .route(
            "/ngsi-ld/v1/temporal/entities/{id}/attrs",
            post(temporal::append),
        )
        .route(
            "/ngsi-ld/v1/temporal/entities/{id}/attrs/{attr}",
            delete(temporal::delete_attribute),
        )
        .route(
            "/ngsi-ld/v1/temporal/entities/{id}/attrs/{attr}/{instance}",
            delete(temporal::delete_instance).patch(temporal::modify_instance),
        )
        .route(
            "/ngsi-ld/v1/temporal/entityOperations/query",
            post(temporal::query_post),
        )
        .route(
            "/ngsi-ld/v1/subscriptions",
            post(crate::subscriptions::http::create).get(crate::subscriptions::http::list),
        )
        .route(
            "/ngsi-ld/v1/subscriptions/{id}",
            get(crate::subscriptions::http::retrieve)
                .patch(crate::subscriptions::http::update)
                .delete(crate::subscriptions::http::delete),
        )
        .route(
            "/ngsi-ld/v1/csourceRegistrations",
            post(crate::registrations::http::create).get(crate::registrations::http::query),
        )
        .route(
            "/ngsi-ld/v1/csourceRegistrations/{id}",
            get(crate::registrations::http::retrieve)
                .patch(crate::registrations::http::update)
                .delete(crate::registrations::http::delete),
        )
        .route(
            "/ngsi-ld/v1/csourceSubscriptions",
            post(crate::registrations::subscription_http::create)
                .get(crate::registrations::subscription_http::list),
        )
        .route(
            "/ngsi-ld/v1/csourceSubscriptions/{id}",
            get(crate::registrations::subscription_http::retrieve)
                .patch(crate::registrations::subscription_http::update)
                .delete(crate::registrations::subscription_http::delete),
        )
        .route(
            "/ngsi-ld/v1/jsonldContexts",
            get(jsonld_contexts::list).post(jsonld_contexts::add),
        )
        .route(
            "/ngsi-ld/v1/jsonldContexts/{id}",
            get(jsonld_contexts::serve).delete(jsonld_contexts::remove),
        )
}
