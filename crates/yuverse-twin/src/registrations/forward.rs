//! Distributed reads (clause 4.3.6): an entity query or retrieval also asks the context sources
//! whose registrations could answer it, and merges their entities into the broker's own.
//!
//! A source is asked when a registration of the tenant matches the read (the discovery rules,
//! with `csf` narrowing the sources), is not expired, and takes the operation (`operations`
//! absent, or naming it, `federationOps` or `retrieveOps`). Every source is asked at once, with
//! `local=true` so that it answers from its own data only (two brokers registered with each
//! other do not ask each other back), in the client's @context and representation, the
//! registration's `tenant` as `NGSILD-Tenant` and its `contextSourceInfo` as headers, within
//! `management.timeout` milliseconds (5 s by default). The broker's own attributes win over
//! a source's, a source's over those of sources after it (auxiliary registrations come last);
//! a source that fails or does not answer in time is left out with an `NGSILD-Warning`.

use std::time::Duration;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

use super::{Discovery, Registration, Registrations, Stored};
use crate::error::NgsiResult;

/// How long a source may take when its registration does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// What the sources answered, in the order they were asked.
#[derive(Debug, Default)]
pub struct Gathered {
    /// Each source's entities (a retrieval's one entity, or a query's page).
    pub answers: Vec<Vec<Value>>,
    /// The sum of the counts the sources reported (`count=true`).
    pub total: usize,
    /// One line per source that failed, for `NGSILD-Warning`.
    pub warnings: Vec<String>,
}

impl Registrations {
    /// The sources a read of `tenant` should ask for `operation`: auxiliary ones last.
    pub fn sources(
        &self,
        tenant: &str,
        discovery: &Discovery,
        operation: &str,
    ) -> NgsiResult<Vec<Stored>> {
        let mut sources = self.discover(tenant, discovery)?;
        sources.retain(|s| s.registration.allows(operation));
        sources.sort_by_key(|s| s.registration.mode() == "auxiliary");
        Ok(sources)
    }

    /// Whether the tenant has any registration (reads of a tenant without any ask no source
    /// and pay nothing for it).
    pub fn any(&self, tenant: &str) -> bool {
        self.inner
            .by_tenant
            .read()
            .is_ok_and(|map| map.get(tenant).is_some_and(|t| !t.is_empty()))
    }

    /// Sends `GET <endpoint>/ngsi-ld/v1/<path>?<params>&local=true` to every source at once.
    /// A retrieval's 404 is an empty answer, not a failure.
    pub async fn ask(
        &self,
        sources: &[Stored],
        path: &str,
        params: &[(String, String)],
        (link, via): (Option<&str>, &str),
    ) -> Gathered {
        let query = local_query(params);
        let requests = sources.iter().map(|source| {
            let registration = &source.registration;
            let mut request = self.source_request(
                registration,
                reqwest::Method::GET,
                &format!("{path}?{query}"),
                via,
            );
            request = request.header("accept", "application/json");
            if let Some(link) = link {
                request = request.header("link", link);
            }
            let id = registration.id.clone();
            async move { (id, answer(request).await) }
        });
        let mut gathered = Gathered::default();
        for (id, outcome) in futures_util::future::join_all(requests).await {
            match outcome {
                Ok((entities, total)) => {
                    gathered.answers.push(entities);
                    gathered.total += total;
                }
                Err(why) => {
                    tracing::warn!(registration = %id, error = %why, "a context source did not answer");
                    gathered
                        .warnings
                        .push(format!("199 - \"context source of {id}: {why}\""));
                }
            }
        }
        gathered
    }
}

impl Registrations {
    /// A request to the source of `registration` at `<endpoint>/ngsi-ld/v1/<path>`, with the
    /// registration's `tenant`, its `contextSourceInfo` as headers, `via` (see `via`), and its
    /// timeout.
    pub(crate) fn source_request(
        &self,
        registration: &Registration,
        method: reqwest::Method,
        path: &str,
        via: &str,
    ) -> reqwest::RequestBuilder {
        let endpoint = registration
            .document
            .get("endpoint")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim_end_matches('/');
        let mut request = self
            .inner
            .sources_client
            .request(method, format!("{endpoint}/ngsi-ld/v1/{path}"))
            .header("via", via)
            .timeout(
                registration
                    .timeout_ms()
                    .filter(|ms| *ms > 0.0)
                    .map_or(DEFAULT_TIMEOUT, |ms| Duration::from_secs_f64(ms / 1000.0)),
            );
        if let Some(tenant) = registration.document.get("tenant").and_then(Value::as_str) {
            request = request.header("ngsild-tenant", tenant);
        }
        for (key, value) in source_info(&registration.document) {
            request = request.header(key, value);
        }
        request
    }
}

/// The client's parameters for a source, with `local=true` so that the source answers from
/// its own data and does not pass the request on (two brokers registered with each other
/// would otherwise ask each other back).
pub(crate) fn local_query(params: &[(String, String)]) -> String {
    params
        .iter()
        .filter(|(k, _)| k != "local")
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .chain(std::iter::once("local=true".to_owned()))
        .collect::<Vec<_>>()
        .join("&")
}

/// `contextSourceInfo` pairs that make valid headers.
fn source_info(document: &Map<String, Value>) -> Vec<(String, String)> {
    crate::subscriptions::endpoint::key_values(document.get("contextSourceInfo"), "")
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| {
            axum::http::HeaderName::from_bytes(k.as_bytes()).is_ok()
                && axum::http::HeaderValue::from_str(v).is_ok()
        })
        .collect()
}

/// One source's entities (an object is one entity) and reported count.
async fn answer(request: reqwest::RequestBuilder) -> Result<(Vec<Value>, usize), String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok((Vec::new(), 0));
    }
    if !response.status().is_success() {
        return Err(format!("answered {}", response.status()));
    }
    let total = response
        .headers()
        .get("ngsild-results-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    match response.json::<Value>().await.map_err(|e| e.to_string())? {
        Value::Array(entities) => Ok((entities, total)),
        entity @ Value::Object(_) => Ok((vec![entity], total)),
        _ => Err("answered something other than entities".into()),
    }
}

/// Merges the sources' entities into `local`, by id: an entity gains the members it lacks from
/// later answers; an entity only sources know is added where it first appears.
pub fn merge(local: Vec<Value>, answers: Vec<Vec<Value>>) -> Vec<Value> {
    let mut merged = local;
    for entity in answers.into_iter().flatten() {
        let Value::Object(entity) = entity else {
            continue;
        };
        let id = entity.get("id").cloned();
        match merged
            .iter_mut()
            .find(|m| id.is_some() && m.get("id") == id.as_ref())
        {
            Some(Value::Object(known)) => {
                for (member, value) in entity {
                    known.entry(member).or_insert(value);
                }
            }
            _ => merged.push(Value::Object(entity)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_first_answer_for_a_member_wins_and_new_entities_are_added() {
        let local = vec![json!({"id": "urn:x:1", "type": "T", "speed": 10})];
        let answers = vec![
            vec![
                json!({"id": "urn:x:1", "type": "T", "speed": 99, "brand": "长安"}),
                json!({"id": "urn:x:2", "type": "T", "speed": 5}),
            ],
            vec![json!({"id": "urn:x:2", "type": "T", "speed": 6, "colour": "red"})],
        ];
        let merged = merge(local, answers);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0]["speed"], 10, "the broker's own attribute wins");
        assert_eq!(merged[0]["brand"], "长安");
        assert_eq!(
            merged[1]["speed"], 5,
            "an earlier source wins over a later one"
        );
        assert_eq!(merged[1]["colour"], "red");
    }
}
