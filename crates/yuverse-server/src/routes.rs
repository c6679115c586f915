//! The whole HTTP surface in one place: context routers, operations endpoints, the UI, and the
//! layers every request passes through.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::NormalizePath;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use yuverse_core::Error;

use crate::openapi::ApiDoc;
use crate::{middleware, ui, AppState};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const NGSI_LD_BODY_LIMIT: usize = 64 * 1024 * 1024;

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(yuverse_governance::http::router())
        .merge(yuverse_industry::http::router())
        .merge(yuverse_twin::devices::http::router())
        .merge(yuverse_twin::live::router())
        .merge(yuverse_plan::http::router())
        .merge(yuverse_twin::alerts::http::router())
        .routes(utoipa_axum::routes!(healthz))
        .routes(utoipa_axum::routes!(readyz))
}

pub fn router(state: AppState) -> Router {
    let (api, spec) = api_routes().split_for_parts();
    let spec = Arc::new(spec);
    let mut router = api
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let spec = spec.clone();
                async move { Json(spec.as_ref().clone()) }
            }),
        )
        .merge(
            yuverse_twin::http::router::<AppState>()
                // NGSI-LD batches can be large; the platform API keeps the smaller limit.
                .layer(DefaultBodyLimit::max(NGSI_LD_BODY_LIMIT)),
        )
        .route("/metrics", get(metrics))
        .route("/api/docs", get(ui::docs_page))
        .route("/api/docs/docs.js", get(ui::docs_script))
        .fallback(ui::fallback)
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::record_metrics,
        ))
        .layer(DefaultBodyLimit::max(state.max_body_bytes));
    // Forwarding headers are read only when proxies are trusted: without any, no request pays
    // for the layer.
    let proxies = &state.governance.config().trusted_proxies;
    if !proxies.is_empty() {
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::new(proxies.clone()),
            yuverse_governance::http::resolve_client_address,
        ));
    }
    for (name, value) in middleware::security_headers() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    let app = router.with_state(state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|request: &axum::http::Request<_>| {
                        let id = request
                            .headers()
                            .get(&REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id = %id)
                    })
                    .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(CatchPanicLayer::custom(middleware::panic_to_problem)),
    );
    // Paths are matched without a trailing slash: the NGSI-LD API names some resources with one
    // (`/entities/`, `/entities/{id}/attrs/`) and clients use both forms. The rewrite has to
    // happen before routing, so it wraps the whole router.
    Router::new().fallback_service(NormalizePath::trim_trailing_slash(app))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// The platform can serve: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, body = yuverse_core::error::Problem)))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, Error> {
    if state.db.ping().await {
        Ok(Json(Readiness {
            status: "ready",
            database: state.db.dialect.name(),
        }))
    } else {
        Err(Error::Unavailable(format!(
            "the {} database does not answer",
            state.db.dialect.name()
        )))
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
