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
use futures_util::stream::{self, Stream, StreamExt};
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

/// What the stream carries before it becomes Server-Sent Events.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveMessage {
    /// One wanted change, rendered by [`render_change`].
    Change(serde_json::Value),
    /// The receiver fell behind and this many changes were skipped.
    Resync(u64),
}

impl LiveMessage {
    fn into_event(self) -> Event {
        match self {
            LiveMessage::Change(data) => Event::default().event("change").data(data.to_string()),
            LiveMessage::Resync(missed) => Event::default()
                .event("resync")
                .data(serde_json::json!({"missed": missed}).to_string()),
        }
    }
}

fn events(
    changes: Receiver<ChangeEvent>,
    filter: LiveFilter,
    vocab: RequestContext,
) -> impl Stream<Item = Result<Event, Infallible>> {
    messages(changes, filter, vocab).map(|m| Ok(m.into_event()))
}

/// The wanted changes in commit order, a [`LiveMessage::Resync`] where some were lost; ends
/// when the twin shuts down.
pub fn messages(
    changes: Receiver<ChangeEvent>,
    filter: LiveFilter,
    vocab: RequestContext,
) -> impl Stream<Item = LiveMessage> {
    stream::unfold(
        (changes, filter, vocab),
        |(mut changes, filter, vocab)| async move {
            loop {
                let message = match changes.recv().await {
                    Ok(change) if filter.matches(&change) => {
                        LiveMessage::Change(render_change(&change, &vocab))
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => LiveMessage::Resync(missed),
                    Err(RecvError::Closed) => return None,
                };
                return Some((message, (changes, filter, vocab)));
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures_util::StreamExt;
    use serde_json::json;
    use tokio::sync::broadcast;

    use super::*;

    fn change(id: &str, kind: &str) -> ChangeEvent {
        let doc = json!({"id": id, "type": [format!("https://uri.etsi.org/ngsi-ld/default-context/{kind}")]});
        ChangeEvent {
            tenant: String::new(),
            id: id.into(),
            before: None,
            after: Some(Arc::new(doc)),
            attributes: vec![],
        }
    }

    #[tokio::test]
    async fn a_lagging_receiver_gets_a_resync_then_the_newest_changes() {
        let (tx, rx) = broadcast::channel(2);
        let vocab = Contexts::default().core();
        let filter = LiveFilter::parse(Some("Streetlight"), None, &vocab).unwrap();
        for i in 0..4 {
            tx.send(change(&format!("urn:l:{i}"), "Streetlight"))
                .unwrap();
        }
        tx.send(change("urn:b:1", "Building")).unwrap();
        drop(tx);
        let got: Vec<LiveMessage> = messages(rx, filter, vocab).collect().await;
        // The channel kept the last two changes; the building is not wanted.
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], LiveMessage::Resync(3));
        let LiveMessage::Change(last) = &got[1] else {
            panic!("a change after the resync: {got:?}")
        };
        assert_eq!(last["id"], "urn:l:3");
        assert_eq!(last["type"], "Streetlight");
    }
}
