mod common;

use common::*;
use serde_json::{json, Value};
use yuverse_twin_context::{
    compact_attribute_name, compact_entity, expand_attribute_name, expand_entity, ActiveContext,
    NoRemoteLoader,
};

fn vehicle() -> Value {
    json!({
        "id": "urn:ngsi-ld:Vehicle:A4567",
        "type": "Vehicle",
        "scope": "/Madrid/Gardens",
        "createdAt": "2024-01-01T00:00:00Z",
        "brandName": {"type": "Property", "value": {"name": "Mercedes", "model": "X"}},
        "speed": [
            {"type": "Property", "value": 55, "datasetId": "urn:ngsi-ld:Dataset:gps",
             "observedAt": "2024-01-01T12:00:00Z", "unitCode": "KMH",
             "accuracy": {"type": "Property", "value": 0.5, "unitCode": "KMH"}},
            {"type": "Property", "value": 54.5, "datasetId": "urn:ngsi-ld:Dataset:wheel"}
        ],
        "isParked": {"type": "Relationship", "object": "urn:ngsi-ld:OffStreetParking:Downtown1",
                     "objectType": "OffStreetParking",
                     "providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:Bob"}},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [-8.5, 41.2]},
                     "observedAt": "2024-01-01T12:00:00Z"},
        "category": {"type": "VocabProperty", "vocab": ["commercial", "ngsi-ld:Vehicle"]},
        "street": {"type": "LanguageProperty", "languageMap": {"fr": "Grand Place", "nl": "Grote Markt"}},
        "config": {"type": "JsonProperty", "json": {"speed": 1, "type": "x"}},
        "route": {"type": "ListProperty", "valueList": ["a", "b"]},
        "passengers": {"type": "ListRelationship", "objectList": [{"object": "urn:ngsi-ld:Person:1"}],
                       "objectType": ["Person"]},
        "@context": "https://example.org/ignored.jsonld"
    })
}

#[test]
fn normalized_entity_expands_with_the_core_context() {
    let core = ActiveContext::core();
    let e = expand_entity(&vehicle(), core);
    let d = |t: &str| format!("{DEFAULT}{t}");
    assert_eq!(e["id"], "urn:ngsi-ld:Vehicle:A4567");
    assert_eq!(e["type"], d("Vehicle"));
    assert_eq!(e["scope"], "/Madrid/Gardens");
    assert_eq!(e["createdAt"], "2024-01-01T00:00:00Z");
    assert!(
        e.get("@context").is_none(),
        "@context is consumed by expansion"
    );
    // Compound values are untouched.
    assert_eq!(
        e[d("brandName")]["value"],
        json!({"name": "Mercedes", "model": "X"})
    );
    // Multi-attribute instances, core members and sub-attributes.
    let speed = e[d("speed")].as_array().unwrap();
    assert_eq!(speed.len(), 2);
    assert_eq!(speed[0]["observedAt"], "2024-01-01T12:00:00Z");
    assert_eq!(speed[0]["unitCode"], "KMH");
    assert_eq!(speed[0]["datasetId"], "urn:ngsi-ld:Dataset:gps");
    assert_eq!(speed[0][d("accuracy")]["unitCode"], "KMH");
    // Relationship objectType is a vocabulary value; sub-relationships are expanded.
    let parked = &e[d("isParked")];
    assert_eq!(parked["objectType"], d("OffStreetParking"));
    assert_eq!(parked["object"], "urn:ngsi-ld:OffStreetParking:Downtown1");
    assert_eq!(parked[d("providedBy")]["object"], "urn:ngsi-ld:Person:Bob");
    // location keeps its core name; its value is GeoJSON, untouched.
    assert_eq!(e["location"]["value"]["type"], "Point");
    assert_eq!(e["location"]["type"], "GeoProperty");
    // VocabProperty values.
    assert_eq!(
        e[d("category")]["vocab"],
        json!([d("commercial"), "https://uri.etsi.org/ngsi-ld/Vehicle"])
    );
    assert_eq!(e[d("street")]["languageMap"]["fr"], "Grand Place");
    assert_eq!(e[d("config")]["json"], json!({"speed": 1, "type": "x"}));
    assert_eq!(e[d("route")]["valueList"], json!(["a", "b"]));
    assert_eq!(e[d("passengers")]["objectType"], json!([d("Person")]));
    // Round trip (the @context member aside).
    let mut original = vehicle();
    original.as_object_mut().unwrap().remove("@context");
    assert_eq!(compact_entity(&e, core), original);
}

fn air_quality() -> Value {
    json!({
        "id": "urn:ngsi-ld:AirQualityObserved:Madrid-28079004",
        "type": "AirQualityObserved",
        "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": "2024-03-01T10:00:00Z"}},
        "pm25": {"type": "Property", "value": 12.4, "unitCode": "GQ", "observedAt": "2024-03-01T10:00:00Z"},
        "pm10": {"type": "Property", "value": 20},
        "no2": {"type": "Property", "value": 22, "sdm-env:method": {"type": "Property", "value": "chemiluminescence"}},
        "airQualityLevel": {"type": "VocabProperty", "vocab": "sdm-env:moderate"},
        "refDevice": {"type": "Relationship", "object": "urn:ngsi-ld:Device:1", "objectType": "Device"},
        "name": {"type": "Property", "value": "Plaza de España"},
        "temperature": {"type": "Property", "value": 21},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [-3.71, 40.42]}}
    })
}

#[test]
fn user_context_entity_round_trip() {
    let loader = sdm_loader();
    let ctx = ActiveContext::from_url(SDM_URL, &loader).unwrap();
    let e = expand_entity(&air_quality(), &ctx);
    assert_eq!(e["type"], format!("{SDM_ENV}AirQualityObserved"));
    assert_eq!(e[format!("{SDM_ENV}pm25")]["value"], 12.4);
    assert_eq!(e[format!("{SDM_ENV}pm10")]["value"], 20);
    assert_eq!(
        e[format!("{SDM_ENV}no2")][format!("{SDM_ENV}method")]["value"],
        "chemiluminescence"
    );
    assert_eq!(
        e[format!("{SDM_ENV}airQualityLevel")]["vocab"],
        format!("{SDM_ENV}moderate")
    );
    assert_eq!(
        e["https://smartdatamodels.org/refDevice"]["objectType"],
        "https://smartdatamodels.org/dataModel.Device/Device"
    );
    assert_eq!(e["https://schema.org/name"]["value"], "Plaza de España");
    assert_eq!(e[format!("{DEFAULT}temperature")]["value"], 21);
    assert!(e["location"].is_object());
    // Compacting with the same context gives the input back, except that the compact IRI
    // sub-attribute name now comes back as written in the user's terms.
    let back = compact_entity(&e, &ctx);
    assert_eq!(back, air_quality());
    // Compacting with the core context alone gives IRIs (or compact IRIs) for user terms.
    let core_view = compact_entity(&e, ActiveContext::core());
    assert_eq!(core_view["type"], format!("{SDM_ENV}AirQualityObserved"));
    assert_eq!(core_view["temperature"]["value"], 21);
    assert_eq!(core_view["location"]["type"], "GeoProperty");
}

#[test]
fn traffic_flow_with_inline_context_array() {
    let ctx = ActiveContext::from_value(
        &json!([{"TrafficFlowObserved": format!("{SDM_TRANSPORT}TrafficFlowObserved"),
                 "intensity": format!("{SDM_TRANSPORT}intensity")}]),
        &NoRemoteLoader,
    )
    .unwrap();
    let entity = json!({"id": "urn:ngsi-ld:TrafficFlowObserved:1",
        "type": ["TrafficFlowObserved", "Observation"],
        "intensity": {"type": "Property", "value": 197}});
    let e = expand_entity(&entity, &ctx);
    assert_eq!(
        e["type"],
        json!([
            format!("{SDM_TRANSPORT}TrafficFlowObserved"),
            format!("{DEFAULT}Observation")
        ])
    );
    assert_eq!(e[format!("{SDM_TRANSPORT}intensity")]["value"], 197);
    assert_eq!(compact_entity(&e, &ctx), entity);
}

#[test]
fn expansion_is_canonical_for_core_member_iris() {
    let core = ActiveContext::core();
    let entity = json!({
        "id": "urn:x:1",
        "type": "T",
        "https://uri.etsi.org/ngsi-ld/location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [0, 0]},
            "https://uri.etsi.org/ngsi-ld/observedAt": "2024-01-01T00:00:00Z"},
        "https://uri.etsi.org/ngsi-ld/createdAt": "2024-01-01T00:00:00Z"
    });
    let e = expand_entity(&entity, core);
    assert_eq!(e["location"]["observedAt"], "2024-01-01T00:00:00Z");
    assert_eq!(e["createdAt"], "2024-01-01T00:00:00Z");
    assert!(e.get("https://uri.etsi.org/ngsi-ld/location").is_none());
}

#[test]
fn same_attribute_under_two_names_is_merged() {
    let core = ActiveContext::core();
    let entity = json!({
        "id": "urn:x:1", "type": "T",
        "speed": {"type": "Property", "value": 1, "datasetId": "urn:a"},
        "https://uri.etsi.org/ngsi-ld/default-context/speed": {"type": "Property", "value": 2}
    });
    let e = expand_entity(&entity, core);
    let speed = e[format!("{DEFAULT}speed")].as_array().unwrap();
    assert_eq!(speed.len(), 2);
}

#[test]
fn concise_temporal_and_simplified_shapes() {
    let core = ActiveContext::core();
    // Concise: no "type" members, plain values.
    let concise = json!({"id": "urn:x:1", "type": "Room", "temperature": 21,
        "name": {"value": "Lab", "source": {"value": "survey"}}, "tags": {"vocab": "Office"},
        "owner": {"object": "urn:ngsi-ld:Person:1", "objectType": "Person"}});
    let e = expand_entity(&concise, core);
    assert_eq!(e[format!("{DEFAULT}temperature")], 21);
    assert_eq!(
        e[format!("{DEFAULT}name")][format!("{DEFAULT}source")]["value"],
        "survey"
    );
    assert_eq!(
        e[format!("{DEFAULT}tags")]["vocab"],
        format!("{DEFAULT}Office")
    );
    assert_eq!(
        e[format!("{DEFAULT}owner")]["objectType"],
        format!("{DEFAULT}Person")
    );
    assert_eq!(compact_entity(&e, core), concise);
    // Temporal: instances with instanceId, simplified temporal values, aggregations.
    let temporal = json!({"id": "urn:x:1", "type": "Room",
        "temperature": [{"type": "Property", "value": 20, "observedAt": "2024-01-01T00:00:00Z", "instanceId": "urn:i:1"}],
        "humidity": {"type": "Property", "values": [[40, "2024-01-01T00:00:00Z"]]},
        "speed": {"type": "Property", "avg": [[5, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"]]}});
    let e = expand_entity(&temporal, core);
    assert_eq!(
        e[format!("{DEFAULT}temperature")][0]["instanceId"],
        "urn:i:1"
    );
    assert!(e[format!("{DEFAULT}humidity")]["values"].is_array());
    assert!(e[format!("{DEFAULT}speed")]["avg"].is_array());
    assert_eq!(compact_entity(&e, core), temporal);
}

#[test]
fn inline_linked_entities_and_proofs() {
    let core = ActiveContext::core();
    let entity = json!({"id": "urn:x:1", "type": "Building",
        "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Person:1",
            "entity": {"id": "urn:ngsi-ld:Person:1", "type": "Person", "age": {"type": "Property", "value": 40}}},
        "address": {"type": "Property", "value": {"street": "x"},
            "ngsildproof": {"type": "Property", "entityIdSealed": "urn:x:1", "entityTypeSealed": "Building",
                "value": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}}}});
    let e = expand_entity(&entity, core);
    let owner = &e[format!("{DEFAULT}owner")];
    assert_eq!(owner["entity"]["type"], format!("{DEFAULT}Person"));
    assert_eq!(owner["entity"][format!("{DEFAULT}age")]["value"], 40);
    let proof = &e[format!("{DEFAULT}address")]["ngsildproof"];
    assert_eq!(proof["entityIdSealed"], "urn:x:1");
    assert_eq!(proof["entityTypeSealed"], format!("{DEFAULT}Building"));
    assert_eq!(proof["value"]["type"], "DataIntegrityProof");
    assert_eq!(compact_entity(&e, core), entity);
}

#[test]
fn arrays_of_entities_and_non_entities() {
    let core = ActiveContext::core();
    let batch = json!([{"id": "urn:x:1", "type": "A"}, {"id": "urn:x:2", "type": "B"}, 3]);
    let e = expand_entity(&batch, core);
    assert_eq!(e[0]["type"], format!("{DEFAULT}A"));
    assert_eq!(e[1]["type"], format!("{DEFAULT}B"));
    assert_eq!(e[2], 3);
    assert_eq!(compact_entity(&e, core), batch);
    for v in [json!(null), json!("x"), json!(1.5), json!(true)] {
        assert_eq!(expand_entity(&v, core), v);
        assert_eq!(compact_entity(&v, core), v);
    }
    // @context is kept by compaction.
    let with_ctx =
        json!({"id": "urn:x:1", "type": "A", "@context": "https://example.org/c.jsonld"});
    assert_eq!(
        compact_entity(&with_ctx, core)["@context"],
        "https://example.org/c.jsonld"
    );
}

#[test]
fn attribute_names_for_queries() {
    let loader = sdm_loader();
    let ctx = ActiveContext::from_url(SDM_URL, &loader).unwrap();
    assert_eq!(expand_attribute_name("location", &ctx), "location");
    assert_eq!(expand_attribute_name("createdAt", &ctx), "createdAt");
    assert_eq!(
        expand_attribute_name("pm25", &ctx),
        format!("{SDM_ENV}pm25")
    );
    assert_eq!(
        expand_attribute_name("speed", &ctx),
        format!("{DEFAULT}speed")
    );
    assert_eq!(
        expand_attribute_name("https://uri.etsi.org/ngsi-ld/observationSpace", &ctx),
        "observationSpace"
    );
    assert_eq!(
        compact_attribute_name(&format!("{SDM_ENV}pm25"), &ctx),
        "pm25"
    );
    assert_eq!(compact_attribute_name("location", &ctx), "location");
    assert_eq!(
        compact_attribute_name(&format!("{DEFAULT}speed"), &ctx),
        "speed"
    );
}
