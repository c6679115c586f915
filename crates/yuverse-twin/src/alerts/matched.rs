//! The (rule, tenant, entity) pairs that match, as the engine keeps them in memory: nested by
//! rule and tenant so that the question asked on every change of the twin, "did this entity
//! match this rule?", is answered from borrowed names without building a key.

use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub(super) struct Matched {
    by_rule: HashMap<String, HashMap<String, HashSet<String>>>,
}

impl Matched {
    /// From stored (rule id, tenant, entity id) rows.
    pub fn from_rows(rows: Vec<(String, String, String)>) -> Matched {
        let mut matched = Matched::default();
        for (rule, tenant, entity) in rows {
            matched.insert(&rule, &tenant, &entity);
        }
        matched
    }

    pub fn contains(&self, rule: &str, tenant: &str, entity: &str) -> bool {
        self.by_rule
            .get(rule)
            .and_then(|tenants| tenants.get(tenant))
            .is_some_and(|entities| entities.contains(entity))
    }

    pub fn insert(&mut self, rule: &str, tenant: &str, entity: &str) {
        self.by_rule
            .entry(rule.to_owned())
            .or_default()
            .entry(tenant.to_owned())
            .or_default()
            .insert(entity.to_owned());
    }

    pub fn remove(&mut self, rule: &str, tenant: &str, entity: &str) {
        let Some(tenants) = self.by_rule.get_mut(rule) else {
            return;
        };
        if let Some(entities) = tenants.get_mut(tenant) {
            entities.remove(entity);
            if entities.is_empty() {
                tenants.remove(tenant);
            }
        }
        if tenants.is_empty() {
            self.by_rule.remove(rule);
        }
    }

    /// The (tenant, entity id) pairs a rule matches.
    pub fn of_rule(&self, rule: &str) -> Vec<(String, String)> {
        self.by_rule
            .get(rule)
            .into_iter()
            .flatten()
            .flat_map(|(tenant, entities)| entities.iter().map(|e| (tenant.clone(), e.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_kept_per_rule_and_tenant_and_emptied_levels_go() {
        let mut matched = Matched::from_rows(vec![
            ("r1".into(), "t".into(), "e1".into()),
            ("r1".into(), "t".into(), "e2".into()),
            ("r2".into(), "u".into(), "e1".into()),
        ]);
        assert!(matched.contains("r1", "t", "e1"));
        assert!(!matched.contains("r1", "u", "e1"));
        assert!(!matched.contains("r2", "t", "e1"));
        matched.remove("r1", "t", "e1");
        matched.remove("r1", "t", "e1");
        assert!(!matched.contains("r1", "t", "e1"));
        assert_eq!(matched.of_rule("r1"), [("t".to_owned(), "e2".to_owned())]);
        matched.remove("r2", "u", "e1");
        assert!(!matched.by_rule.contains_key("r2"));
        matched.insert("r2", "u", "e3");
        assert_eq!(matched.of_rule("r2"), [("u".to_owned(), "e3".to_owned())]);
        assert!(matched.of_rule("r3").is_empty());
    }
}
