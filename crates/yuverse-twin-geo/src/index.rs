//! A spatial index of entities' geometries by bounding box.

use std::collections::HashMap;

use geo::{Geometry, Rect};
use rstar::{RTree, RTreeObject, SelectionFunction, AABB};

use crate::query::GeoQuery;
use crate::sphere::envelope;

/// One indexed geometry: its key and the [`envelope`] of its geometry.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    key: Box<str>,
    bbox: AABB<[f64; 2]>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.bbox
    }
}

/// Finds the entry of one key, descending only where its box can be.
struct ByKey<'a> {
    key: &'a str,
    bbox: AABB<[f64; 2]>,
}

impl SelectionFunction<Entry> for ByKey<'_> {
    fn should_unpack_parent(&self, envelope: &AABB<[f64; 2]>) -> bool {
        rstar::Envelope::contains_envelope(envelope, &self.bbox)
    }

    fn should_unpack_leaf(&self, leaf: &Entry) -> bool {
        &*leaf.key == self.key
    }
}

/// A spatial index of entity geometries keyed by an entity key (any string the caller chooses,
/// e.g. tenant + entity id + GeoProperty), backed by an R*-tree ([`rstar`]) of conservative
/// lon/lat bounding boxes ([`envelope`], which also covers great-circle edges).
///
/// It answers *candidates*: a superset of the entries that can match, to be confirmed with
/// [`GeoQuery::matches`]. Empty geometries are not indexed.
#[derive(Debug, Default)]
pub struct SpatialIndex {
    tree: RTree<Entry>,
    boxes: HashMap<Box<str>, AABB<[f64; 2]>>,
}

fn to_aabb(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

impl SpatialIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// An index built in one pass (faster than repeated [`upsert`](Self::upsert)); for a key
    /// given more than once the last geometry wins.
    pub fn bulk_load<'a, I>(entries: I) -> Self
    where
        I: IntoIterator<Item = (&'a str, &'a Geometry<f64>)>,
    {
        let mut boxes = HashMap::new();
        for (key, geometry) in entries {
            match envelope(geometry) {
                Some(r) => {
                    boxes.insert(Box::<str>::from(key), to_aabb(r));
                }
                None => {
                    boxes.remove(key);
                }
            }
        }
        let items = boxes
            .iter()
            .map(|(key, bbox)| Entry {
                key: key.clone(),
                bbox: *bbox,
            })
            .collect();
        Self {
            tree: RTree::bulk_load(items),
            boxes,
        }
    }

    /// Inserts the geometry of `key`, replacing any previous one. An empty geometry removes the
    /// key.
    pub fn upsert(&mut self, key: &str, geometry: &Geometry<f64>) {
        let Some(rect) = envelope(geometry) else {
            self.remove(key);
            return;
        };
        let bbox = to_aabb(rect);
        if let Some(old) = self.boxes.get_mut(key) {
            if *old == bbox {
                return;
            }
            let previous = std::mem::replace(old, bbox);
            self.tree.remove_with_selection_function(ByKey {
                key,
                bbox: previous,
            });
        } else {
            self.boxes.insert(key.into(), bbox);
        }
        self.tree.insert(Entry {
            key: key.into(),
            bbox,
        });
    }

    /// Removes `key` (nothing happens if it is absent).
    pub fn remove(&mut self, key: &str) {
        if let Some(bbox) = self.boxes.remove(key) {
            self.tree
                .remove_with_selection_function(ByKey { key, bbox });
        }
    }

    /// Keys whose bounding box intersects `bbox` (boundaries included), in no particular order.
    pub fn candidates(&self, bbox: &Rect<f64>) -> Vec<&str> {
        self.tree
            .locate_in_envelope_intersecting(&to_aabb(*bbox))
            .map(|e| &*e.key)
            .collect()
    }

    /// Candidates for a geo-query, using [`GeoQuery::candidate_boxes`]; `None` when the query
    /// cannot be bounded (then every entry is a candidate). Each key appears once.
    pub fn query_candidates(&self, query: &GeoQuery) -> Option<Vec<&str>> {
        let boxes = query.candidate_boxes()?;
        let mut out: Vec<&str> = Vec::new();
        for (i, b) in boxes.iter().enumerate() {
            for key in self.candidates(b) {
                // Boxes from an antimeridian split only share their edge at ±180°.
                if i == 0 || !boxes[..i].iter().any(|p| self.in_box(key, p)) {
                    out.push(key);
                }
            }
        }
        Some(out)
    }

    fn in_box(&self, key: &str, r: &Rect<f64>) -> bool {
        self.boxes
            .get(key)
            .is_some_and(|b| rstar::Envelope::intersects(b, &to_aabb(*r)))
    }

    /// Whether `key` is indexed.
    pub fn contains_key(&self, key: &str) -> bool {
        self.boxes.contains_key(key)
    }

    /// The bounding box indexed for `key`.
    pub fn bbox(&self, key: &str) -> Option<Rect<f64>> {
        self.boxes.get(key).map(|b| {
            let (lo, hi) = (b.lower(), b.upper());
            Rect::new((lo[0], lo[1]), (hi[0], hi[1]))
        })
    }

    /// Number of indexed keys.
    pub fn len(&self) -> usize {
        self.boxes.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.boxes.is_empty()
    }
}
