//! Property tests: no function panics on arbitrary input, and round trips hold.
mod common;

use std::collections::HashMap;

use common::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use yuverse_twin_context::request::parse_link_header;
use yuverse_twin_context::{
    compact_attribute_name, compact_entity, context_source, expand_attribute_name, expand_entity,
    link_context_url, ActiveContext, ContextCache, NoRemoteLoader,
};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        // Strings biased towards what contexts and entities contain.
        prop_oneof![
            ".*",
            "[a-zA-Z@:/#_.-]{0,12}",
            Just("@id".to_string()),
            Just("@vocab".to_string()),
            Just("@type".to_string()),
            Just("@list".to_string()),
            Just("https://example.org/".to_string()),
            Just(SDM_URL.to_string()),
            Just("https://loop.example/a".to_string()),
            Just("ngsi-ld:x".to_string()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-zA-Z@:/#_-]{0,10}",
                    Just("@context".to_string()),
                    Just("@id".to_string()),
                    Just("@type".to_string()),
                    Just("@container".to_string()),
                    Just("@vocab".to_string()),
                    Just("@import".to_string()),
                    Just("@protected".to_string()),
                    Just("type".to_string()),
                    Just("value".to_string()),
                    Just("vocab".to_string()),
                    Just("objectType".to_string()),
                    Just("entity".to_string()),
                    Just("location".to_string()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn loader() -> HashMap<String, Value> {
    let mut m = sdm_loader();
    m.insert(
        "https://loop.example/a".into(),
        json!({"@context": ["https://loop.example/b"]}),
    );
    m.insert(
        "https://loop.example/b".into(),
        json!({"@context": "https://loop.example/a"}),
    );
    m
}

fn user_ctx() -> ActiveContext {
    ActiveContext::from_url(SDM_URL, &loader()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn context_processing_never_panics(value in arb_json()) {
        let _ = ActiveContext::from_value(&value, &loader());
        let _ = ActiveContext::from_value(&json!([SDM_URL, value.clone()]), &loader());
        let cache = ContextCache::default();
        let _ = cache.active_context(&value, &NoRemoteLoader);
        let _ = cache.add_hosted(&json!({"@context": value}), &NoRemoteLoader);
    }

    #[test]
    fn term_functions_never_panic(s in ".*") {
        for ctx in [ActiveContext::core(), &user_ctx()] {
            let e = ctx.expand_term(&s);
            let _ = ctx.compact_iri(&s);
            let _ = ctx.compact_iri(&e);
            let _ = ctx.term_definition(&s);
            let _ = expand_attribute_name(&s, ctx);
            let _ = compact_attribute_name(&s, ctx);
        }
    }

    #[test]
    fn compaction_expands_back(path in "[a-zA-Z0-9_:/#.-]{1,20}", ns in 0usize..6) {
        let bases = [
            "https://uri.etsi.org/ngsi-ld/",
            "https://uri.etsi.org/ngsi-ld/default-context/",
            SDM_ENV,
            "https://purl.org/geojson/vocab#",
            "https://example.org/",
            "urn:ngsi-ld:",
        ];
        let iri = format!("{}{path}", bases[ns]);
        for ctx in [ActiveContext::core(), &user_ctx()] {
            let compact = ctx.compact_iri(&iri);
            prop_assert_eq!(ctx.expand_term(&compact), iri.clone(), "via {}", compact);
        }
    }

    #[test]
    fn entity_functions_never_panic(value in arb_json()) {
        for ctx in [ActiveContext::core(), &user_ctx()] {
            let e = expand_entity(&value, ctx);
            let _ = compact_entity(&e, ctx);
            let _ = compact_entity(&value, ctx);
        }
    }

    #[test]
    fn entity_round_trip(
        ty in "[A-Z][a-zA-Z]{0,8}",
        attrs in prop::collection::btree_map("[a-z][a-zA-Z0-9]{0,8}", (any::<i32>(), prop::option::of("[a-z]{1,6}")), 0..6),
    ) {
        let mut entity = Map::new();
        entity.insert("id".into(), json!("urn:ngsi-ld:T:1"));
        entity.insert("type".into(), json!(ty));
        for (name, (value, sub)) in attrs {
            let mut attr = json!({"type": "Property", "value": value});
            if let Some(sub) = sub {
                attr[sub] = json!({"type": "Property", "value": 1});
            }
            entity.insert(name, attr);
        }
        let entity = Value::Object(entity);
        for ctx in [ActiveContext::core(), &user_ctx()] {
            let expanded = expand_entity(&entity, ctx);
            prop_assert_eq!(compact_entity(&expanded, ctx), entity.clone());
        }
    }

    #[test]
    fn request_functions_never_panic(
        ct in prop::option::of(prop_oneof![".*", Just("application/json".to_string()), Just("application/ld+json".to_string())]),
        link in prop::option::of(".*"),
        body in prop::option::of(arb_json()),
    ) {
        let _ = context_source(ct.as_deref(), link.as_deref(), body.as_ref());
        if let Some(link) = &link {
            let _ = link_context_url(link);
            let _ = parse_link_header(link);
        }
    }

    #[test]
    fn link_parser_never_panics_on_link_like_input(s in "[<>;,=\" a-z:/#.\\\\-]{0,60}") {
        let _ = parse_link_header(&s);
        let _ = link_context_url(&s);
    }
}
