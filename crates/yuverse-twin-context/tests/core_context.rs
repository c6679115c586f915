mod common;

use common::*;
use serde_json::Value;
use yuverse_twin_context::core::{
    core_context_document, is_core_context_url, CORE_CONTEXT_EDITION, CORE_CONTEXT_JSON,
};
use yuverse_twin_context::{
    ActiveContext, Container, NoRemoteLoader, TypeMapping, CORE_CONTEXT_URL, CORE_CONTEXT_URLS,
};

#[test]
fn embedded_document_is_the_v1_9_core_context() {
    let doc: Value = serde_json::from_str(CORE_CONTEXT_JSON).unwrap();
    let ctx = doc["@context"].as_object().unwrap();
    assert_eq!(ctx["@version"], 1.1);
    assert_eq!(ctx["@protected"], true);
    assert_eq!(ctx["ngsi-ld"], "https://uri.etsi.org/ngsi-ld/");
    assert_eq!(ctx["geojson"], "https://purl.org/geojson/vocab#");
    assert_eq!(ctx["GeoProperty"], "ngsi-ld:GeoProperty");
    assert_eq!(
        ctx["@vocab"],
        "https://uri.etsi.org/ngsi-ld/default-context/"
    );
    // 203 terms plus @version, @protected and @vocab.
    assert_eq!(ctx.len(), 206);
    // Terms of the V1.8 / V1.9 editions.
    for term in [
        "VocabProperty",
        "ListProperty",
        "ListRelationship",
        "JsonProperty",
        "LanguageProperty",
        "jsonKeys",
        "entityMap",
        "Snapshot",
        "SnapshotNotification",
        "ngsildproof",
        "problemDetails",
        "lastUsedAt",
        "objectLists",
        "expandValues",
        "aggrMethods",
        "ExecutionResultDetails",
    ] {
        assert!(ctx.contains_key(term), "missing {term}");
    }
    assert!(CORE_CONTEXT_EDITION.contains("V1.9.1"));
    assert_eq!(core_context_document(), &doc);
}

#[test]
fn core_urls_are_recognised() {
    assert_eq!(CORE_CONTEXT_URLS.len(), 5);
    for url in CORE_CONTEXT_URLS {
        assert!(is_core_context_url(url), "{url}");
    }
    assert!(is_core_context_url(
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
    ));
    assert!(!is_core_context_url(
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.5.jsonld"
    ));
    assert!(!is_core_context_url(
        "https://example.org/ngsi-ld-core-context.jsonld"
    ));
}

#[test]
fn core_urls_never_reach_the_loader() {
    let loader = CountingLoader::new([]);
    for url in CORE_CONTEXT_URLS {
        let ctx = ActiveContext::from_url(url, &loader).unwrap();
        assert_eq!(ctx.expand_term("Property"), format!("{NGSI}Property"));
        assert!(ctx.overridden_core_terms().is_empty());
    }
    let arr = serde_json::json!([CORE_CONTEXT_URL, CORE_CONTEXT_URLS[4]]);
    ActiveContext::from_value(&arr, &loader).unwrap();
    assert_eq!(loader.calls.get(), 0);
}

#[test]
fn core_term_definitions() {
    let core = ActiveContext::core();
    assert_eq!(core.len(), 203);
    assert_eq!(core.vocab(), Some(DEFAULT));
    let def = |t: &str| core.term_definition(t).unwrap_or_else(|| panic!("{t}"));
    assert!(def("vocab").is_vocab());
    assert_eq!(def("vocab").iri(), format!("{NGSI}hasVocab"));
    assert!(def("objectType").is_vocab());
    assert!(def("attributeNames").is_vocab());
    assert!(def("json").is_json());
    assert_eq!(def("json").iri(), format!("{NGSI}hasJSON"));
    assert!(def("languageMap").is_language_map());
    assert!(def("valueList").is_list());
    assert!(def("objectList").is_list());
    assert!(def("datasetId").is_id());
    assert!(def("object").is_id());
    assert_eq!(
        def("createdAt").type_mapping(),
        Some(&TypeMapping::Iri(format!("{NGSI}DateTime")))
    );
    assert!(def("dataset").has_container(Container::Index));
    assert!(def("features").has_container(Container::Set));
    assert_eq!(def("id").iri(), "@id");
    assert_eq!(def("type").iri(), "@type");
    assert!(def("ngsi-ld").is_prefix());
    assert!(def("geojson").is_prefix());
    assert!(!def("Property").is_prefix());
    assert!(def("Property").is_protected());
    assert_eq!(def("containedBy").iri(), format!("{NGSI}isContainedBy"));
    assert_eq!(
        def("description").iri(),
        "http://purl.org/dc/terms/description"
    );
    assert_eq!(
        def("langString").iri(),
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
    );
    assert_eq!(def("Point").iri(), "https://purl.org/geojson/vocab#Point");
    // A term whose @id is the term itself expands under @vocab.
    assert_eq!(
        def("attributeCount").iri(),
        format!("{DEFAULT}attributeCount")
    );
    // Scoped contexts are kept as given.
    let proof = def("ngsildproof");
    assert_eq!(proof.iri(), format!("{NGSI}ngsildproof"));
    assert!(proof.scoped_context().unwrap().is_array());
}

#[test]
fn every_core_term_round_trips() {
    let core = ActiveContext::core();
    for (term, _) in core.terms() {
        let iri = core.expand_term(term);
        assert_eq!(core.compact_iri(&iri), term, "{term} -> {iri}");
    }
}

#[test]
fn core_expansion_examples() {
    let core = ActiveContext::core();
    assert_eq!(core.expand_term("location"), format!("{NGSI}location"));
    assert_eq!(core.expand_term("speed"), format!("{DEFAULT}speed"));
    assert_eq!(core.expand_term("ngsi-ld:Foo"), format!("{NGSI}Foo"));
    assert_eq!(
        core.expand_term("geojson:Point"),
        "https://purl.org/geojson/vocab#Point"
    );
    assert_eq!(core.expand_term("urn:ngsi-ld:Car:1"), "urn:ngsi-ld:Car:1");
    assert_eq!(
        core.expand_term("https://example.org/x"),
        "https://example.org/x"
    );
    assert_eq!(core.expand_term("_:b0"), "_:b0");
    assert_eq!(core.expand_term("@id"), "@id");
    assert_eq!(core.expand_term("id"), "@id");
    assert_eq!(core.compact_iri("@type"), "type");
    assert_eq!(core.compact_iri(&format!("{NGSI}Foo")), "ngsi-ld:Foo");
    assert_eq!(core.compact_iri(&format!("{DEFAULT}speed")), "speed");
    assert_eq!(
        core.compact_iri("https://example.org/x"),
        "https://example.org/x"
    );
    // Not usable as a compact IRI prefix: Property is not a prefix term.
    assert_eq!(core.expand_term("Property:x"), "Property:x");
    assert!(ActiveContext::is_core_term("location"));
    assert!(!ActiveContext::is_core_term("speed"));
    let again = ActiveContext::from_value(&Value::Null, &NoRemoteLoader).unwrap();
    assert_eq!(again.len(), core.len());
}
