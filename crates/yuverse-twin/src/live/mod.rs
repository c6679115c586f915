//! `GET /api/v1/twin/live`: the twin's committed changes as Server-Sent Events, for screens
//! that follow the district as it changes (the live map). Each `change` event carries one
//! entity in compact keyValues form ([`event::render_change`]); a client that falls too far
//! behind gets a `resync` event and reloads the current state with a query, since the changes
//! it missed are not kept for it.

pub mod event;

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::{error::RecvError, Receiver};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{Actor, ApiQuery, Error, Permission};
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use crate::http::{Contexts, RequestContext};
use crate::subscriptions::ChangeEvent;
use crate::Twin;
pub use event::{render_change, LiveFilter};

/// A comment line this often keeps proxies and browsers from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Twin: FromRef<S>,
    Governance: FromRef<S>,
    Contexts: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(live))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveQuery {
    /// Entity types to follow, a comma list of short names (`Building,Streetlight`); all when
    /// absent.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub types: Option<String>,
    /// The NGSI-LD tenant; the default tenant when absent.
    pub tenant: Option<String>,
}

/// Starts following the twin's changes. Signed-in users may watch (the map is every user's
/// screen, and NGSI-LD reads are open anyway); an API key needs `twin:read`.
pub fn watch(twin: &Twin, actor: &Actor) -> Result<Receiver<ChangeEvent>, Error> {
    if actor.user_id().is_none() {
        actor.require(Permission::TwinRead)?;
    }
    Ok(twin.watch())
}

/// Committed entity changes as Server-Sent Events (`change`, and `resync` after falling
/// behind), with a keep-alive comment every 15 s.
#[utoipa::path(get, path = "/api/v1/twin/live", tag = "twin-live", params(LiveQuery),
    responses((status = 200, content_type = "text/event-stream",
               description = "`event: change` with `{id, type, deleted, attrs, location}`; `event: resync` after lagging"),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
async fn live(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<LiveQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Error> {
    let vocab = contexts.core();
    let filter = LiveFilter::parse(query.types.as_deref(), query.tenant.as_deref(), &vocab)
        .map_err(|reason| Error::validation("type", reason))?;
    let changes = watch(&twin, &auth.actor)?;
    Ok(Sse::new(events(changes, filter, vocab)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

fn events(
    changes: Receiver<ChangeEvent>,
    filter: LiveFilter,
    vocab: RequestContext,
) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(
        (changes, filter, vocab),
        |(mut changes, filter, vocab)| async move {
            loop {
                let event = match changes.recv().await {
                    Ok(change) if filter.matches(&change) => Event::default()
                        .event("change")
                        .data(render_change(&change, &vocab).to_string()),
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => Event::default()
                        .event("resync")
                        .data(serde_json::json!({"missed": missed}).to_string()),
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (changes, filter, vocab)));
            }
        },
    )
}
