//! The subscriptions of one tenant, indexed by what a change must carry for each to care: the
//! entity types of its `entities` selectors, or, without selectors, its `watchedAttributes`.
//! A change is then matched against those few candidates instead of every subscription.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::model::Subscription;
use super::registry::Entry;

#[derive(Default)]
pub(super) struct TenantSubscriptions {
    entries: HashMap<String, Entry>,
    /// Expanded entity type → subscriptions with a selector of that type.
    by_type: HashMap<String, BTreeSet<String>>,
    /// Expanded attribute → subscriptions without selectors that watch it.
    by_watched: HashMap<String, BTreeSet<String>>,
}

/// Where a subscription is filed: a subscription selects entities by type when it has
/// selectors; otherwise it must watch at least one attribute (parsing refuses neither).
fn keys(s: &Subscription) -> (Vec<&str>, Vec<&str>) {
    if s.entities.is_empty() {
        (Vec::new(), s.watched.iter().map(String::as_str).collect())
    } else {
        (s.selected_types().map(String::as_str).collect(), Vec::new())
    }
}

fn file(index: &mut HashMap<String, BTreeSet<String>>, keys: &[&str], id: &str) {
    for k in keys {
        index
            .entry((*k).to_owned())
            .or_default()
            .insert(id.to_owned());
    }
}

fn unfile(index: &mut HashMap<String, BTreeSet<String>>, keys: &[&str], id: &str) {
    for k in keys {
        if let Some(ids) = index.get_mut(*k) {
            ids.remove(id);
            if ids.is_empty() {
                index.remove(*k);
            }
        }
    }
}

impl TenantSubscriptions {
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    pub fn values(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// Adds or replaces a subscription.
    pub fn insert(&mut self, entry: Entry) {
        let id = entry.subscription.id.clone();
        self.remove(&id);
        let (types, watched) = keys(&entry.subscription);
        file(&mut self.by_type, &types, &id);
        file(&mut self.by_watched, &watched, &id);
        self.entries.insert(id, entry);
    }

    pub fn remove(&mut self, id: &str) -> Option<Entry> {
        let entry = self.entries.remove(id)?;
        let (types, watched) = keys(&entry.subscription);
        unfile(&mut self.by_type, &types, id);
        unfile(&mut self.by_watched, &watched, id);
        Some(entry)
    }

    /// The subscriptions that may care about a change of an entity of `types` that touched
    /// `attributes` (each once); the others cannot select it.
    pub fn candidates<'a, 'k>(
        &'a self,
        types: impl IntoIterator<Item = &'k str>,
        attributes: impl IntoIterator<Item = &'k str>,
    ) -> Vec<&'a Entry> {
        let mut seen: HashSet<&str> = HashSet::new();
        let by_type = types.into_iter().filter_map(|t| self.by_type.get(t));
        let by_watched = attributes
            .into_iter()
            .filter_map(|a| self.by_watched.get(a));
        by_type
            .chain(by_watched)
            .flatten()
            .filter(|id| seen.insert(id.as_str()))
            .filter_map(|id| self.entries.get(id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::json;

    use super::*;
    use crate::domain::vocabulary::Identity;

    fn entry(id: &str, body: serde_json::Value) -> Entry {
        let mut doc = body;
        doc["type"] = json!("Subscription");
        doc["notification"] = json!({"endpoint": {"uri": "http://127.0.0.1:1/n"}});
        let serde_json::Value::Object(doc) = doc else {
            unreachable!()
        };
        Entry {
            subscription: Arc::new(
                Subscription::parse(id.into(), doc, json!({}), &Identity).unwrap(),
            ),
            status: Arc::new(Mutex::default()),
        }
    }

    fn ids(found: Vec<&Entry>) -> Vec<String> {
        let mut ids: Vec<String> = found.iter().map(|e| e.subscription.id.clone()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn a_change_finds_subscriptions_by_type_or_by_watched_attribute_once() {
        let mut subs = TenantSubscriptions::default();
        subs.insert(entry(
            "a",
            json!({"entities": [{"type": "Park"}, {"type": "Park,Lot"}]}),
        ));
        subs.insert(entry("b", json!({"entities": [{"type": "Lamp"}]})));
        subs.insert(entry(
            "c",
            json!({"watchedAttributes": ["occupancy", "status"]}),
        ));
        let found = subs.candidates(["Park"], ["occupancy", "status"]);
        assert_eq!(ids(found), ["a", "c"]);
        assert_eq!(ids(subs.candidates(["Lot"], [])), ["a"]);
        assert!(subs.candidates(["Road"], ["name"]).is_empty());
    }

    #[test]
    fn replacing_or_removing_a_subscription_refiles_it() {
        let mut subs = TenantSubscriptions::default();
        subs.insert(entry("a", json!({"entities": [{"type": "Park"}]})));
        subs.insert(entry("a", json!({"watchedAttributes": ["status"]})));
        assert!(subs.candidates(["Park"], []).is_empty());
        assert_eq!(ids(subs.candidates([], ["status"])), ["a"]);
        assert!(subs.remove("a").is_some());
        assert!(subs.candidates([], ["status"]).is_empty());
        assert!(subs.by_watched.is_empty() && subs.by_type.is_empty());
    }
}
