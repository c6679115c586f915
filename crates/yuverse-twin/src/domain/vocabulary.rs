//! Term expansion and compaction as the domain needs it, independent of how @contexts are
//! processed (the broker adapts the JSON-LD context machinery to this trait).

pub trait Vocabulary: Send + Sync {
    /// A term, compact IRI or IRI in a vocabulary position (type, attribute name) → IRI.
    fn expand(&self, term: &str) -> String;
    /// An IRI → the term (or compact IRI) the client's context uses for it.
    fn compact(&self, iri: &str) -> String;
}

/// Keeps names as they are (tests, and the internal simulator that already uses IRIs).
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl Vocabulary for Identity {
    fn expand(&self, term: &str) -> String {
        term.to_owned()
    }
    fn compact(&self, iri: &str) -> String {
        iri.to_owned()
    }
}
