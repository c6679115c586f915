mod common;

use std::collections::HashMap;

use common::*;
use serde_json::{json, Value};
use yuverse_twin_context::context::{MAX_REMOTE_DEPTH, MAX_REMOTE_LOADS};
use yuverse_twin_context::{
    ActiveContext, ContextError, FnLoader, NoRemoteLoader, TypeMapping, CORE_CONTEXT_URL,
};

fn build(value: Value) -> ActiveContext {
    ActiveContext::from_value(&value, &NoRemoteLoader).expect("valid context")
}

fn build_err(value: Value, loader: &HashMap<String, Value>) -> ContextError {
    ActiveContext::from_value(&value, loader).expect_err("should fail")
}

#[test]
fn user_terms_expand_and_compact() {
    let ctx = build(sdm_context());
    let cases = [
        ("AirQualityObserved", format!("{SDM_ENV}AirQualityObserved")),
        ("pm25", format!("{SDM_ENV}pm25")),
        ("pm10", format!("{SDM_ENV}pm10")),
        ("no2", format!("{SDM_ENV}no2")),
        (
            "TrafficFlowObserved",
            format!("{SDM_TRANSPORT}TrafficFlowObserved"),
        ),
        ("intensity", format!("{SDM_TRANSPORT}intensity")),
        ("name", "https://schema.org/name".to_string()),
    ];
    for (term, iri) in &cases {
        assert_eq!(&ctx.expand_term(term), iri, "{term}");
        assert_eq!(&ctx.compact_iri(iri), term, "{iri}");
    }
    // Compact IRIs over the user's prefix.
    assert_eq!(ctx.expand_term("sdm-env:o3"), format!("{SDM_ENV}o3"));
    assert_eq!(ctx.compact_iri(&format!("{SDM_ENV}o3")), "sdm-env:o3");
    // Definitions.
    assert!(ctx.term_definition("airQualityLevel").unwrap().is_vocab());
    assert!(ctx.term_definition("refDevice").unwrap().is_id());
    assert_eq!(
        ctx.term_definition("dateObserved").unwrap().type_mapping(),
        Some(&TypeMapping::Iri(format!("{NGSI}DateTime"))),
        "core terms are usable inside user definitions"
    );
    assert!(ctx.overridden_core_terms().is_empty());
}

#[test]
fn unknown_terms_go_to_the_default_context() {
    let ctx = build(sdm_context());
    assert_eq!(
        ctx.expand_term("temperature"),
        format!("{DEFAULT}temperature")
    );
    assert_eq!(
        ctx.compact_iri(&format!("{DEFAULT}temperature")),
        "temperature"
    );
    assert_eq!(ctx.expand_term("Vehicle"), format!("{DEFAULT}Vehicle"));
    assert_eq!(ctx.vocab(), Some(DEFAULT));
}

#[test]
fn core_terms_cannot_be_overridden() {
    let ctx = build(json!({
        "Property": "https://evil.example/Property",
        "location": {"@id": "https://schema.org/location"},
        "type": "https://evil.example/type",
        "ngsi-ld": "https://evil.example/ns/",
        "@vocab": "https://evil.example/vocab/",
        "speed": "https://example.org/speed"
    }));
    assert_eq!(ctx.expand_term("Property"), format!("{NGSI}Property"));
    assert_eq!(ctx.expand_term("location"), format!("{NGSI}location"));
    assert_eq!(ctx.expand_term("type"), "@type");
    assert_eq!(ctx.expand_term("ngsi-ld:Foo"), format!("{NGSI}Foo"));
    // The default vocabulary wins over a user @vocab.
    assert_eq!(ctx.expand_term("unknown"), format!("{DEFAULT}unknown"));
    // Non-core terms of the same context still apply.
    assert_eq!(ctx.expand_term("speed"), "https://example.org/speed");
    assert_eq!(
        ctx.overridden_core_terms(),
        ["@vocab", "Property", "location", "ngsi-ld", "type"]
    );
}

#[test]
fn core_terms_cannot_be_removed_or_overridden_through_arrays() {
    let ctx = build(json!([
        CORE_CONTEXT_URL,
        {"Relationship": null, "object": {"@id": "https://evil.example/o"}},
    ]));
    assert_eq!(
        ctx.expand_term("Relationship"),
        format!("{NGSI}Relationship")
    );
    assert_eq!(ctx.expand_term("object"), format!("{NGSI}hasObject"));
    assert!(ctx.term_definition("object").unwrap().is_id());
    assert_eq!(ctx.overridden_core_terms(), ["Relationship", "object"]);
}

#[test]
fn compact_iris_with_a_prefix_in_any_order() {
    // "name" depends on "schema", defined in the same local context.
    let ctx = build(json!({"name": "schema:name", "schema": "https://schema.org/"}));
    assert_eq!(ctx.expand_term("schema:name"), "https://schema.org/name");
    assert_eq!(ctx.expand_term("name"), "https://schema.org/name");
    assert_eq!(
        ctx.expand_term("schema:address"),
        "https://schema.org/address"
    );
    // An exact term wins over a compact IRI.
    assert_eq!(ctx.compact_iri("https://schema.org/name"), "name");
    assert_eq!(
        ctx.compact_iri("https://schema.org/address"),
        "schema:address"
    );
    assert!(ctx.term_definition("schema").unwrap().is_prefix());
    assert!(!ctx.term_definition("name").unwrap().is_prefix());
    // A term ending in a gen-delim defined with an object is not a prefix.
    let ctx = build(json!({"ex": {"@id": "https://example.org/"}}));
    assert_eq!(ctx.expand_term("ex:a"), "ex:a");
    let ctx = build(json!({"ex": {"@id": "https://example.org/", "@prefix": true}}));
    assert_eq!(ctx.expand_term("ex:a"), "https://example.org/a");
    // A compact IRI as a term key.
    let ctx = build(json!({"schema": "https://schema.org/", "schema:knows": {"@type": "@id"}}));
    assert_eq!(ctx.expand_term("schema:knows"), "https://schema.org/knows");
    assert!(ctx.term_definition("schema:knows").unwrap().is_id());
}

#[test]
fn compaction_prefers_terms_then_vocab_then_shortest_compact_iri() {
    let ctx = build(json!({
        "ex": "https://example.org/",
        "exlong": "https://example.org/long/",
        "temperature": "https://example.org/t",
        "temp": "https://example.org/t"
    }));
    assert_eq!(ctx.compact_iri("https://example.org/t"), "temp");
    assert_eq!(ctx.compact_iri("https://example.org/long/x"), "exlong:x");
    assert_eq!(ctx.compact_iri("https://example.org/a"), "ex:a");
    assert_eq!(ctx.compact_iri(&format!("{DEFAULT}humidity")), "humidity");
    // A vocab-relative name that is itself a term is not used.
    let ctx = build(json!({"humidity": "https://example.org/h"}));
    assert_eq!(
        ctx.compact_iri(&format!("{DEFAULT}humidity")),
        "ngsi-ld:default-context/humidity"
    );
    assert_eq!(ctx.compact_iri("https://example.org/h"), "humidity");
}

#[test]
fn arrays_of_contexts_apply_in_order() {
    let loader = sdm_loader();
    let ctx = ActiveContext::from_value(
        &json!([SDM_URL, {"pm25": "https://example.org/pm25", "extra": "https://example.org/extra"}]),
        &loader,
    )
    .unwrap();
    assert_eq!(ctx.expand_term("pm25"), "https://example.org/pm25");
    assert_eq!(ctx.expand_term("extra"), "https://example.org/extra");
    assert_eq!(
        ctx.expand_term("AirQualityObserved"),
        format!("{SDM_ENV}AirQualityObserved")
    );
    assert_eq!(ctx.loaded_urls(), [SDM_URL]);
    // Same URL twice (not recursive) is fine.
    let ctx = ActiveContext::from_value(&json!([SDM_URL, SDM_URL]), &loader).unwrap();
    assert_eq!(ctx.loaded_urls().len(), 2);
}

#[test]
fn null_resets_user_terms() {
    let ctx = build(
        json!([{"foo": "https://example.org/foo"}, null, {"bar": "https://example.org/bar"}]),
    );
    assert_eq!(ctx.expand_term("foo"), format!("{DEFAULT}foo"));
    assert_eq!(ctx.expand_term("bar"), "https://example.org/bar");
    // A term mapped to null falls back to the default vocabulary.
    let ctx = build(json!([{"foo": "https://example.org/foo"}, {"foo": null}]));
    assert_eq!(ctx.expand_term("foo"), format!("{DEFAULT}foo"));
}

#[test]
fn nested_remote_contexts_through_a_map_loader() {
    let mut loader = HashMap::new();
    loader.insert(
        "https://example.org/ctx/main.jsonld".to_string(),
        json!({"@context": ["common.jsonld", "https://example.org/other/types.jsonld", {"main": "https://example.org/main"}]}),
    );
    loader.insert(
        "https://example.org/ctx/common.jsonld".to_string(),
        json!({"@context": {"ex": "https://example.org/terms/", "common": "ex:common"}}),
    );
    loader.insert(
        "https://example.org/other/types.jsonld".to_string(),
        json!({"@context": ["../ctx/leaf.jsonld", {"Thing": "ex:Thing"}]}),
    );
    loader.insert(
        "https://example.org/ctx/leaf.jsonld".to_string(),
        json!({"@context": {"leaf": "https://example.org/leaf"}, "ignored": true}),
    );
    let ctx = ActiveContext::from_url("https://example.org/ctx/main.jsonld", &loader).unwrap();
    assert_eq!(
        ctx.expand_term("common"),
        "https://example.org/terms/common"
    );
    assert_eq!(ctx.expand_term("Thing"), "https://example.org/terms/Thing");
    assert_eq!(ctx.expand_term("leaf"), "https://example.org/leaf");
    assert_eq!(ctx.expand_term("main"), "https://example.org/main");
    assert_eq!(
        ctx.loaded_urls(),
        [
            "https://example.org/ctx/main.jsonld",
            "https://example.org/ctx/common.jsonld",
            "https://example.org/other/types.jsonld",
            "https://example.org/ctx/leaf.jsonld",
        ]
    );
}

#[test]
fn cycles_are_detected() {
    let mut loader = HashMap::new();
    loader.insert(
        "https://a.example/a".to_string(),
        json!({"@context": ["https://b.example/b"]}),
    );
    loader.insert(
        "https://b.example/b".to_string(),
        json!({"@context": "https://a.example/a"}),
    );
    loader.insert(
        "https://s.example/self".to_string(),
        json!({"@context": ["https://s.example/self"]}),
    );
    assert_eq!(
        build_err(json!("https://a.example/a"), &loader),
        ContextError::Recursive {
            url: "https://a.example/a".into()
        }
    );
    assert_eq!(
        build_err(json!(["https://s.example/self"]), &loader),
        ContextError::Recursive {
            url: "https://s.example/self".into()
        }
    );
}

#[test]
fn depth_and_count_limits() {
    let mut loader = HashMap::new();
    for i in 0..20 {
        loader.insert(
            format!("https://chain.example/{i}"),
            json!({"@context": [format!("https://chain.example/{}", i + 1), {format!("t{i}"): format!("https://chain.example/t{i}")}]}),
        );
    }
    let err = build_err(json!("https://chain.example/0"), &loader);
    assert_eq!(
        err,
        ContextError::TooDeep {
            url: format!("https://chain.example/{MAX_REMOTE_DEPTH}"),
            limit: MAX_REMOTE_DEPTH
        }
    );
    // A chain within the limit works.
    let mut short = HashMap::new();
    for i in 0..MAX_REMOTE_DEPTH {
        let next = if i + 1 < MAX_REMOTE_DEPTH {
            json!([format!("https://chain.example/{}", i + 1)])
        } else {
            json!({"last": "https://chain.example/last"})
        };
        short.insert(
            format!("https://chain.example/{i}"),
            json!({"@context": next}),
        );
    }
    let ctx = ActiveContext::from_url("https://chain.example/0", &short).unwrap();
    assert_eq!(ctx.expand_term("last"), "https://chain.example/last");
    // Too many documents in total.
    let mut many = HashMap::new();
    let urls: Vec<String> = (0..=MAX_REMOTE_LOADS)
        .map(|i| format!("https://many.example/{i}"))
        .collect();
    for u in &urls {
        many.insert(u.clone(), json!({"@context": {}}));
    }
    let err = build_err(json!(urls), &many);
    assert!(matches!(err, ContextError::TooDeep { limit, .. } if limit == MAX_REMOTE_LOADS));
}

#[test]
fn unavailable_contexts() {
    let err =
        ActiveContext::from_url("https://example.org/missing.jsonld", &NoRemoteLoader).unwrap_err();
    assert!(err.is_not_available());
    assert!(
        matches!(err, ContextError::NotAvailable { ref url, .. } if url == "https://example.org/missing.jsonld")
    );
    let err = build_err(json!("https://example.org/missing.jsonld"), &HashMap::new());
    assert!(err.is_not_available());
    // The loader's own error passes through.
    let loader = FnLoader(|url: &str| Err(ContextError::not_available(url, "timeout after 5 s")));
    let err = ActiveContext::from_url("https://slow.example/c", &loader).unwrap_err();
    assert_eq!(
        err.to_string(),
        "@context https://slow.example/c is not available: timeout after 5 s"
    );
}

#[test]
fn invalid_contexts() {
    let mut loader = HashMap::new();
    loader.insert(
        "https://x.example/no-context".to_string(),
        json!({"terms": {}}),
    );
    loader.insert("https://x.example/array".to_string(), json!([1, 2]));
    let invalid = [
        json!(42),
        json!(true),
        json!([[{}]]),
        json!("relative/context.jsonld"),
        json!("https://x.example/no-context"),
        json!("https://x.example/array"),
        json!({"@version": 1.0}),
        json!({"term": 5}),
        json!({"term": {"@id": 5}}),
        json!({"term": {"@type": "_:blank"}}),
        json!({"term": {"@container": "@bogus"}}),
        json!({"term": {"@container": ["@list", "@set"]}}),
        json!({"term": {"@id": "https://x/", "@unknown": 1}}),
        json!({"a": "b:x", "b": "a:y"}),
        json!({"@id": "https://x/"}),
        json!({"": "https://x/"}),
        json!({"term": {"@id": "@context"}}),
        json!({"@vocab": 3}),
        json!([{"@vocab": null}, {"@vocab": "relative"}]),
        json!({"@language": 3}),
        json!({"@protected": "yes"}),
        json!({"@import": 3}),
        json!({"a/b": {"@type": "@id"}}),
        json!({"term": {"@reverse": "https://x/r", "@id": "https://x/i"}}),
    ];
    for value in invalid {
        match ActiveContext::from_value(&value, &loader) {
            Err(ContextError::Invalid(_)) => {}
            Err(other) => panic!("{value}: {other:?}"),
            Ok(_) => panic!("{value} was accepted"),
        }
    }
}

#[test]
fn protected_user_terms() {
    let err = build_err(
        json!([{"@protected": true, "foo": "https://a.example/foo"}, {"foo": "https://b.example/foo"}]),
        &HashMap::new(),
    );
    assert!(
        matches!(err, ContextError::Invalid(ref m) if m.contains("protected")),
        "{err:?}"
    );
    // Same definition again is allowed.
    let ctx = build(json!([
        {"@protected": true, "foo": "https://a.example/foo"},
        {"foo": "https://a.example/foo"}
    ]));
    assert_eq!(ctx.expand_term("foo"), "https://a.example/foo");
    // Nullifying a context with protected user terms is an error.
    let err = build_err(
        json!([{"foo": {"@id": "https://a.example/foo", "@protected": true}}, null]),
        &HashMap::new(),
    );
    assert!(matches!(err, ContextError::Invalid(_)));
}

#[test]
fn keyword_aliases_imports_and_other_features() {
    let mut loader = HashMap::new();
    loader.insert(
        "https://x.example/base.jsonld".to_string(),
        json!({"@context": {"ex": "https://example.org/", "a": "ex:a", "b": "ex:b"}}),
    );
    let ctx = ActiveContext::from_value(
        &json!({"@import": "https://x.example/base.jsonld", "b": "https://other.example/b", "myId": "@id", "@language": "en"}),
        &loader,
    )
    .unwrap();
    assert_eq!(ctx.expand_term("a"), "https://example.org/a");
    assert_eq!(ctx.expand_term("b"), "https://other.example/b");
    assert_eq!(ctx.expand_term("myId"), "@id");
    assert_eq!(ctx.default_language(), Some("en"));
    // Terms that look like keywords are ignored.
    let ctx =
        build(json!({"@foo": "https://x/foo", "knows": {"@reverse": "https://schema.org/knows"}}));
    assert!(ctx.term_definition("@foo").is_none());
    assert!(ctx.term_definition("knows").unwrap().is_reverse());
    // A term without @id under the core vocabulary.
    let ctx = build(json!({"flag": {"@type": "@json"}}));
    assert_eq!(ctx.expand_term("flag"), format!("{DEFAULT}flag"));
    assert!(ctx.term_definition("flag").unwrap().is_json());
    // Language maps and lists.
    let ctx = build(
        json!({"label": {"@id": "https://x/label", "@container": "@language"}, "path": {"@id": "https://x/path", "@container": ["@list"]}}),
    );
    assert!(ctx.term_definition("label").unwrap().is_language_map());
    assert!(ctx.term_definition("path").unwrap().is_list());
    // @type in a context may only be a set.
    build(json!({"@type": {"@container": "@set"}}));
    // A user @vocab applies inside user definitions, not to plain terms.
    let ctx = build(json!({"@vocab": "https://v.example/", "bare": {"@type": "@id"}}));
    assert_eq!(ctx.expand_term("bare"), "https://v.example/bare");
    assert_eq!(ctx.expand_term("other"), format!("{DEFAULT}other"));
}
