//! Stored documents (subscriptions, registrations) keep the client's terms and the @context
//! they were written with; a read shows those terms compacted with the reader's @context
//! (clause 5.5.7: the same IRIs, in the reader's words). Expanding with the stored context and
//! compacting with the request's does it; a reader without a context sees full IRIs where the
//! core context has no term (the conformance suite's 033_04_02, 029_05_02).

use serde_json::Value;

use super::context::{Contexts, RequestContext};
use crate::domain::Vocabulary;

/// `shown` (a rendered document written with `stored`, its @context) in the words of the
/// request's context `to`, by `recompact` (one of this module's functions). A stored context
/// that can no longer be had leaves the document as written.
pub fn for_reader(
    mut shown: Value,
    stored: &Value,
    to: &RequestContext,
    contexts: &Contexts,
    recompact: fn(&mut Value, &dyn Vocabulary, &dyn Vocabulary),
) -> Value {
    if *stored != to.value {
        if let Ok(from) = contexts.resolve_value(stored) {
            recompact(&mut shown, &from, to);
        }
    }
    shown
}

/// A stored term in the reader's words.
fn term(value: &mut Value, from: &dyn Vocabulary, to: &dyn Vocabulary) {
    if let Value::String(t) = value {
        // A type expression (`(A|B);C`) is left as written: it is not one term.
        if !t.contains(['(', ')', '|', ',', ';']) {
            *t = to.compact(&from.expand(t));
        }
    }
}

/// Every term of a list (or a single term).
fn terms(value: Option<&mut Value>, from: &dyn Vocabulary, to: &dyn Vocabulary) {
    match value {
        Some(Value::Array(items)) => items.iter_mut().for_each(|t| term(t, from, to)),
        Some(single) => term(single, from, to),
        None => {}
    }
}

/// The types of a list of entity selectors (`entities`).
fn entity_types(entities: Option<&mut Value>, from: &dyn Vocabulary, to: &dyn Vocabulary) {
    if let Some(Value::Array(items)) = entities {
        for item in items {
            terms(item.get_mut("type"), from, to);
        }
    }
}

/// A subscription (entity or context source): its entity types, watched attributes and
/// notified attribute names.
pub fn subscription(doc: &mut Value, from: &dyn Vocabulary, to: &dyn Vocabulary) {
    entity_types(doc.get_mut("entities"), from, to);
    terms(doc.get_mut("watchedAttributes"), from, to);
    if let Some(notification) = doc.get_mut("notification") {
        terms(notification.get_mut("attributes"), from, to);
        for members in ["pick", "omit"] {
            if let Some(Value::Array(items)) = notification.get_mut(members) {
                items
                    .iter_mut()
                    .filter(|m| !matches!(m.as_str(), Some("id" | "type")))
                    .for_each(|m| term(m, from, to));
            }
        }
    }
}

/// A registration: the entity types and attribute names of its `information` items.
pub fn registration(doc: &mut Value, from: &dyn Vocabulary, to: &dyn Vocabulary) {
    if let Some(Value::Array(items)) = doc.get_mut("information") {
        for item in items {
            entity_types(item.get_mut("entities"), from, to);
            terms(item.get_mut("propertyNames"), from, to);
            terms(item.get_mut("relationshipNames"), from, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    struct Prefix(&'static str);

    impl Vocabulary for Prefix {
        fn expand(&self, term: &str) -> String {
            format!("{}{term}", self.0)
        }
        fn compact(&self, iri: &str) -> String {
            iri.strip_prefix(self.0).unwrap_or(iri).to_owned()
        }
    }

    #[test]
    fn terms_are_shown_in_the_readers_words() {
        let mut doc = json!({"entities": [{"type": "Building"}, {"type": "(A|B)"}],
            "watchedAttributes": ["name"],
            "notification": {"attributes": ["name"], "pick": ["id", "name"]}});
        subscription(&mut doc, &Prefix("https://a/"), &Prefix("https://b/"));
        assert_eq!(doc["entities"][0]["type"], "https://a/Building");
        assert_eq!(doc["entities"][1]["type"], "(A|B)");
        assert_eq!(doc["watchedAttributes"][0], "https://a/name");
        assert_eq!(doc["notification"]["pick"], json!(["id", "https://a/name"]));
        let mut doc = json!({"information": [{"entities": [{"type": "Building"}],
            "propertyNames": ["name"], "relationshipNames": ["locatedAt"]}]});
        registration(&mut doc, &Prefix("https://a/"), &Prefix("https://a/"));
        assert_eq!(doc["information"][0]["entities"][0]["type"], "Building");
        assert_eq!(doc["information"][0]["relationshipNames"][0], "locatedAt");
    }
}
