//! One tenant's entities in memory with the indexes that answer queries without scanning every
//! entity: by type, by attribute name and by geometry (one R-tree per GeoProperty name).
//! Entities are kept sorted by id so results page deterministically.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;
use yuverse_twin_geo::{GeoQuery, SpatialIndex};
use yuverse_twin_query::{Query, ScopeQuery};

use super::shapes::{same_shape, Shapes, TypeShape};
use super::types::TypeExpr;
use crate::domain::attribute::GEO_PROPERTY;
use crate::domain::entity::{attribute_names, doc as doc_of, id_of, types_of, Doc};

#[derive(Default)]
pub struct TenantState {
    entities: BTreeMap<String, Arc<Value>>,
    by_type: HashMap<String, BTreeSet<String>>,
    by_attr: HashMap<String, BTreeSet<String>>,
    geo: HashMap<String, SpatialIndex>,
    shapes: Shapes,
}

impl std::fmt::Debug for TenantState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantState")
            .field("entities", &self.entities.len())
            .finish()
    }
}

/// A query over one tenant, with names already expanded.
#[derive(Default)]
pub struct Selector {
    pub ids: Option<Vec<String>>,
    pub id_pattern: Option<regex::Regex>,
    pub types: Option<TypeExpr>,
    /// The entity must have at least one of these attributes.
    pub attrs: Option<Vec<String>>,
    pub q: Option<Query>,
    pub scope_q: Option<ScopeQuery>,
    pub geo: Option<GeoQuery>,
    /// The entity selectors of a Query body that has several (clause 5.2.23): the entity must
    /// match one of them. Empty when the query names its entities through `ids`,
    /// `id_pattern` and `types` (one selector) or not at all.
    pub any_of: Vec<EntityMatch>,
}

/// One entity selector (clause 5.2.33): an entity matches when it satisfies every member the
/// selector has.
#[derive(Default)]
pub struct EntityMatch {
    pub id: Option<String>,
    pub id_pattern: Option<regex::Regex>,
    pub types: Option<TypeExpr>,
}

impl EntityMatch {
    pub fn matches(&self, id: &str, types: &[&str]) -> bool {
        self.id.as_deref().is_none_or(|wanted| wanted == id)
            && self.id_pattern.as_ref().is_none_or(|p| p.is_match(id))
            && self.types.as_ref().is_none_or(|t| t.matches(types))
    }
}

/// The GeoJSON value of a GeoProperty (its first instance), if `name` is one.
fn geo_value<'a>(doc: &'a Doc, name: &str) -> Option<&'a Value> {
    let first = doc.get(name)?.as_array()?.first()?;
    (first.get("type").and_then(Value::as_str) == Some(GEO_PROPERTY))
        .then(|| first.get("value"))
        .flatten()
}

fn list(index: &mut HashMap<String, BTreeSet<String>>, key: &str, id: &str) {
    index
        .entry(key.to_owned())
        .or_default()
        .insert(id.to_owned());
}

fn unlist(index: &mut HashMap<String, BTreeSet<String>>, key: &str, id: &str) {
    if let Some(set) = index.get_mut(key) {
        set.remove(id);
        if set.is_empty() {
            index.remove(key);
        }
    }
}

impl TenantState {
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// Every entity, in id order.
    pub fn entities(&self) -> impl Iterator<Item = &Arc<Value>> {
        self.entities.values()
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Value>> {
        self.entities.get(id)
    }

    /// Inserts or replaces an entity; answers the previous version. Index entries change only
    /// where the two versions differ, so a reading that changes values only (most writes)
    /// leaves the type, attribute and spatial indexes alone.
    pub fn put(&mut self, entity: Arc<Value>) -> Option<Arc<Value>> {
        let doc = doc_of(&entity);
        let id = id_of(doc).to_owned();
        let previous = self.entities.remove(&id);
        let none = Doc::new();
        self.reindex(&id, previous.as_deref().map_or(&none, doc_of), doc);
        self.entities.insert(id, entity);
        previous
    }

    pub fn remove(&mut self, id: &str) -> Option<Arc<Value>> {
        let entity = self.entities.remove(id)?;
        self.reindex(id, doc_of(&entity), &Doc::new());
        Some(entity)
    }

    /// Moves the index entries of entity `id` from version `before` to version `after` (an
    /// empty map stands for "absent").
    fn reindex(&mut self, id: &str, before: &Doc, after: &Doc) {
        if !same_shape(before, after) {
            self.shapes.remove(before);
            self.shapes.add(after);
        }
        let (old_types, new_types) = (types_of(before), types_of(after));
        for t in old_types.iter().filter(|t| !new_types.contains(t)) {
            unlist(&mut self.by_type, t, id);
        }
        for t in new_types.iter().filter(|t| !old_types.contains(t)) {
            list(&mut self.by_type, t, id);
        }
        for name in attribute_names(before).filter(|n| !after.contains_key(*n)) {
            unlist(&mut self.by_attr, name, id);
        }
        for name in attribute_names(after).filter(|n| !before.contains_key(*n)) {
            list(&mut self.by_attr, name, id);
        }
        let geo_names: BTreeSet<&String> = attribute_names(before)
            .chain(attribute_names(after))
            .collect();
        for name in geo_names {
            let new = geo_value(after, name);
            if geo_value(before, name) == new {
                continue;
            }
            match new.and_then(|v| yuverse_twin_geo::geometry_from_geojson(v).ok()) {
                Some(geometry) => self
                    .geo
                    .entry(name.clone())
                    .or_default()
                    .upsert(id, &geometry),
                None => {
                    if let Some(index) = self.geo.get_mut(name) {
                        index.remove(id);
                    }
                }
            }
        }
    }

    /// Entity types present, with how many entities carry each.
    pub fn types(&self) -> impl Iterator<Item = (&String, usize)> {
        self.by_type.iter().map(|(t, ids)| (t, ids.len()))
    }

    /// Every entity type with its entity count and its attributes' types (discovery).
    pub fn type_shapes(&self) -> impl Iterator<Item = (&String, usize, TypeShape)> + '_ {
        self.by_type
            .keys()
            .filter_map(|t| self.type_shape(t).map(|(count, shape)| (t, count, shape)))
    }

    /// One entity type's entity count and attributes' types (discovery); `None` when no
    /// entity has that type.
    pub fn type_shape(&self, t: &str) -> Option<(usize, TypeShape)> {
        self.by_type
            .get(t)
            .map(|ids| (ids.len(), self.shapes.of_type(t)))
    }

    /// Attribute names present, with how many entities carry each.
    pub fn attributes(&self) -> impl Iterator<Item = (&String, usize)> {
        self.by_attr.iter().map(|(a, ids)| (a, ids.len()))
    }

    pub fn ids_of_type(&self, t: &str) -> Vec<String> {
        self.by_type
            .get(t)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Candidates for a type expression: one index set borrowed when that is enough.
    fn type_candidates<'a>(&'a self, expr: &TypeExpr) -> Candidates<'a> {
        match expr {
            TypeExpr::Name(n) => self
                .by_type
                .get(n)
                .map_or(Candidates::Owned(BTreeSet::new()), Candidates::Borrowed),
            // Every entity of the conjunction is in the smallest of its parts.
            TypeExpr::All(v) => v
                .iter()
                .map(|e| self.type_candidates(e))
                .min_by_key(Candidates::len)
                .unwrap_or(Candidates::Owned(BTreeSet::new())),
            TypeExpr::Any(v) => {
                let mut union = BTreeSet::new();
                for e in v {
                    union.extend(self.type_candidates(e).iter().cloned());
                }
                Candidates::Owned(union)
            }
        }
    }

    fn union_of_attributes<'a>(&'a self, names: &[&str]) -> Candidates<'a> {
        match names {
            [one] => self
                .by_attr
                .get(*one)
                .map_or(Candidates::Owned(BTreeSet::new()), Candidates::Borrowed),
            many => Candidates::Owned(
                many.iter()
                    .flat_map(|a| self.by_attr.get(*a).into_iter().flatten().cloned())
                    .collect(),
            ),
        }
    }

    /// The smallest candidate set the indexes give for a selector; `None` means every entity
    /// (only when the selector has nothing indexable, e.g. a bare idPattern). Every other
    /// condition is checked by `matches` on the candidates, so no intersection is built.
    fn candidates<'a>(&'a self, s: &Selector) -> Option<Candidates<'a>> {
        if let Some(ids) = &s.ids {
            return Some(Candidates::Owned(
                ids.iter()
                    .filter(|i| self.entities.contains_key(*i))
                    .cloned()
                    .collect(),
            ));
        }
        let mut sources: Vec<Candidates<'a>> = Vec::new();
        if let Some(union) = self.selectors_candidates(&s.any_of) {
            sources.push(union);
        }
        if let Some(t) = &s.types {
            sources.push(self.type_candidates(t));
        }
        if let Some(attrs) = &s.attrs {
            let names: Vec<&str> = attrs.iter().map(String::as_str).collect();
            sources.push(self.union_of_attributes(&names));
        }
        if let Some(geo) = &s.geo {
            match self.geo.get(&geo.geoproperty) {
                // Nobody has that GeoProperty: nothing can match.
                None => sources.push(Candidates::Owned(BTreeSet::new())),
                Some(index) => {
                    if let Some(ids) = index.query_candidates(geo) {
                        sources.push(Candidates::Owned(
                            ids.into_iter().map(str::to_owned).collect(),
                        ));
                    }
                }
            }
        }
        if let Some(required) = s.q.as_ref().and_then(|q| required_attributes(q.expr())) {
            sources.push(self.union_of_attributes(&required));
        }
        sources.into_iter().min_by_key(Candidates::len)
    }

    /// The union of what each selector's id or types give; `None` when one of them has
    /// neither (a bare idPattern), which only a scan can answer.
    fn selectors_candidates<'a>(&'a self, selectors: &[EntityMatch]) -> Option<Candidates<'a>> {
        if selectors.is_empty() {
            return None;
        }
        let mut union = BTreeSet::new();
        for selector in selectors {
            match (&selector.id, &selector.types) {
                (Some(id), _) => {
                    if self.entities.contains_key(id) {
                        union.insert(id.clone());
                    }
                }
                (None, Some(t)) => union.extend(self.type_candidates(t).iter().cloned()),
                (None, None) => return None,
            }
        }
        Some(Candidates::Owned(union))
    }

    fn matches(&self, entity: &Value, s: &Selector) -> bool {
        let doc = doc_of(entity);
        let id = id_of(doc);
        if !s.any_of.is_empty() {
            let types = types_of(doc);
            if !s.any_of.iter().any(|m| m.matches(id, &types)) {
                return false;
            }
        }
        if let Some(p) = &s.id_pattern {
            if !p.is_match(id) {
                return false;
            }
        }
        if let Some(t) = &s.types {
            if !t.matches(&types_of(doc)) {
                return false;
            }
        }
        if let Some(attrs) = &s.attrs {
            if !attrs.iter().any(|a| doc.contains_key(a)) {
                return false;
            }
        }
        if let Some(scope_q) = &s.scope_q {
            let scopes: Vec<String> = doc
                .get("scope")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if !scope_q.matches(&scopes) {
                return false;
            }
        }
        if let Some(geo) = &s.geo {
            let stored = doc
                .get(&geo.geoproperty)
                .and_then(|a| a.get(0))
                .and_then(|i| i.get("value"))
                .and_then(|v| yuverse_twin_geo::geometry_from_geojson(v).ok());
            if !stored.is_some_and(|g| geo.matches(&g)) {
                return false;
            }
        }
        if let Some(q) = &s.q {
            // The evaluator reads the stored form directly (attributes as instance arrays);
            // a path into linked entities (`rel{attr}`) looks each target up in this tenant.
            let resolve = |id: &str| self.entities.get(id).map(|e| Cow::Borrowed(e.as_ref()));
            if !q.matches_with(entity, &resolve) {
                return false;
            }
        }
        true
    }

    /// One page of matching entities in id order, and the total when `count` is asked.
    pub fn query(
        &self,
        s: &Selector,
        offset: usize,
        limit: usize,
        count: bool,
    ) -> (Vec<Arc<Value>>, Option<usize>) {
        let mut page = Vec::new();
        let mut matched = 0usize;
        let mut visit = |entity: &Arc<Value>| -> bool {
            if self.matches(entity, s) {
                if matched >= offset && page.len() < limit {
                    page.push(entity.clone());
                }
                matched += 1;
            }
            count || page.len() < limit
        };
        match self.candidates(s) {
            Some(ids) => {
                for id in ids.iter() {
                    if let Some(doc) = self.entities.get(id) {
                        if !visit(doc) {
                            break;
                        }
                    }
                }
            }
            None => {
                for doc in self.entities.values() {
                    if !visit(doc) {
                        break;
                    }
                }
            }
        }
        (page, count.then_some(matched))
    }
}

/// Attribute names an entity must carry to match `expr`, when every way of matching needs one
/// of them (so the attribute index can give the candidates); `None` when a match is possible
/// without any (negations, system attributes). A linked path (`rel{attr}`) needs the
/// Relationship `rel` on the entity itself, so it narrows the candidates as well.
fn required_attributes(expr: &yuverse_twin_query::Expr) -> Option<Vec<&str>> {
    use yuverse_twin_query::{Expr, Term};
    match expr {
        Expr::Term(Term::Exists(p)) | Expr::Term(Term::Compare { path: p, .. }) => {
            (!yuverse_twin_query::is_system_name(&p.name)).then(|| vec![p.name.as_str()])
        }
        Expr::Term(Term::Pattern {
            path,
            negated: false,
            ..
        }) => (!yuverse_twin_query::is_system_name(&path.name)).then(|| vec![path.name.as_str()]),
        Expr::Term(_) => None,
        // One child that needs an attribute is enough for a conjunction.
        Expr::And(children) => children.iter().find_map(required_attributes),
        // Every alternative must need one for a disjunction.
        Expr::Or(children) => children
            .iter()
            .map(required_attributes)
            .collect::<Option<Vec<_>>>()
            .map(|lists| lists.into_iter().flatten().collect()),
    }
}

/// Entity ids to examine, in id order: an index set as it is, or one built for the query.
enum Candidates<'a> {
    Borrowed(&'a BTreeSet<String>),
    Owned(BTreeSet<String>),
}

impl Candidates<'_> {
    fn len(&self) -> usize {
        match self {
            Candidates::Borrowed(s) => s.len(),
            Candidates::Owned(s) => s.len(),
        }
    }

    fn iter(&self) -> std::collections::btree_set::Iter<'_, String> {
        match self {
            Candidates::Borrowed(s) => s.iter(),
            Candidates::Owned(s) => s.iter(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LOCATION: &str = "https://uri.etsi.org/ngsi-ld/location";

    fn sensor(pm25: f64, at: Option<[f64; 2]>) -> Arc<Value> {
        let mut e = json!({"id": "urn:s1", "type": ["Sensor"],
            "pm25": [{"type": "Property", "value": pm25}]});
        if let Some(c) = at {
            e[LOCATION] = json!([{"type": GEO_PROPERTY,
                "value": {"type": "Point", "coordinates": c}}]);
        }
        Arc::new(e)
    }

    fn near(state: &TenantState, at: [f64; 2]) -> usize {
        let geo = yuverse_twin_geo::parse_geo_query(
            "near;maxDistance==100",
            "Point",
            &format!("[{},{}]", at[0], at[1]),
            Some(LOCATION),
        )
        .unwrap();
        let selector = Selector {
            geo: Some(geo),
            ..Selector::default()
        };
        state.query(&selector, 0, 10, false).0.len()
    }

    #[test]
    fn indexes_follow_each_version_of_an_entity() {
        let (a, b) = ([106.5, 29.6], [106.6, 29.7]);
        let mut state = TenantState::default();
        state.put(sensor(10.0, Some(a)));
        assert_eq!((near(&state, a), near(&state, b)), (1, 0));
        // A new reading at the same place keeps the entity where it was.
        state.put(sensor(20.0, Some(a)));
        assert_eq!((near(&state, a), near(&state, b)), (1, 0));
        // Moving it moves its index entry.
        state.put(sensor(30.0, Some(b)));
        assert_eq!((near(&state, a), near(&state, b)), (0, 1));
        // Losing the location takes it out of the spatial index, and the attribute index.
        state.put(sensor(40.0, None));
        assert_eq!((near(&state, a), near(&state, b)), (0, 0));
        assert!(state.attributes().all(|(name, _)| name != LOCATION));
        assert_eq!(
            state.types().collect::<Vec<_>>(),
            [(&"Sensor".to_owned(), 1)]
        );
        state.remove("urn:s1");
        assert_eq!(state.types().count() + state.attributes().count(), 0);
    }
}
