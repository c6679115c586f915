//! Evaluating `q` against entities in normalized form.

use serde_json::{json, Value};
use yuverse_twin_query::{parse_q, Query};

fn car() -> Value {
    json!({
        "id": "urn:ngsi-ld:Vehicle:A4567",
        "type": "Vehicle",
        "createdAt": "2024-03-01T10:00:00Z",
        "modifiedAt": "2024-03-05T08:30:00.250Z",
        "brandName": {"type": "Property", "value": "Mercedes"},
        "speed": {
            "type": "Property",
            "value": 80,
            "observedAt": "2024-03-05T08:00:00Z",
            "unitCode": "KMH",
            "accuracy": {"type": "Property", "value": 0.5}
        },
        "rpm": {"type": "Property", "value": 2500.5},
        "isParked": {
            "type": "Relationship",
            "object": "urn:ngsi-ld:OffStreetParking:Downtown1",
            "observedAt": "2024-03-05T07:00:00Z",
            "providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:Bob"}
        },
        "electric": {"type": "Property", "value": false},
        "tags": {"type": "Property", "value": ["blue", "red", "green"]},
        "address": {
            "type": "Property",
            "value": {
                "city": "Berlin",
                "street": {"name": "Ulrich Strasse", "number": 12},
                "phones": [{"kind": "work", "n": "1"}, {"kind": "home", "n": "2"}],
                "codes": [10, 20]
            }
        },
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [13.4, 52.5]}},
        "color": {
            "type": "LanguageProperty",
            "languageMap": {"fr": "rouge", "en": "red", "de": ["rot", "Rot"]}
        },
        "gender": {"type": "VocabProperty", "vocab": "http://example.org/Male"},
        "sizes": {"type": "ListProperty", "valueList": [1, 2, 3]},
        "config": {"type": "JsonProperty", "json": {"id": "85a6cc52", "value": "Overstay 60 minutes"}},
        "parts": {
            "type": "ListRelationship",
            "objectList": [{"object": "urn:ngsi-ld:Part:1"}, {"object": "urn:ngsi-ld:Part:2"}]
        },
        "temperature": [
            {"type": "Property", "value": 20, "datasetId": "urn:ngsi-ld:Dataset:a"},
            {"type": "Property", "value": 31, "datasetId": "urn:ngsi-ld:Dataset:b"}
        ],
        "birthday": {"type": "Property", "value": {"@type": "Date", "@value": "2020-02-29"}},
        "opens": {"type": "Property", "value": "08:30:00Z"},
        "serviced": {"type": "Property", "value": {"@type": "DateTime", "@value": "2023-11-01T12:00:00Z"}},
        "nothing": {"type": "Property", "value": null}
    })
}

fn query(text: &str) -> Query {
    match parse_q(text) {
        Ok(q) => q,
        Err(e) => panic!("{text:?} should parse: {e}"),
    }
}

#[track_caller]
fn yes(text: &str) {
    assert!(query(text).matches(&car()), "{text:?} should match");
}

#[track_caller]
fn no(text: &str) {
    assert!(!query(text).matches(&car()), "{text:?} should not match");
}

#[test]
fn existence() {
    yes("speed");
    yes("isParked");
    yes("speed.observedAt");
    yes("speed.accuracy");
    yes("isParked.providedBy");
    yes("createdAt");
    no("heading");
    no("speed.heading");
    no("nothing");
    yes("!heading");
    no("!speed");
    yes("!nothing");
    // Plain members that are not system names are not attributes.
    no("id");
    no("type");
}

#[test]
fn numbers() {
    yes("speed==80");
    yes("speed==80.0");
    no("speed==81");
    yes("speed!=81");
    no("speed!=80");
    yes("speed>79");
    no("speed>80");
    yes("speed>=80");
    yes("speed<81");
    no("speed<80");
    yes("speed<=80");
    yes("rpm>2500");
    yes("rpm==2500.5");
    yes("speed>50;brandName!=\"Fiat\"");
    yes("speed.accuracy<1");
    yes("speed==-5..80");
    no("speed==81..100");
    yes("speed!=81..100");
    no("speed!=0..100");
    yes("speed==1,80,3");
    no("speed==1,2");
    yes("speed!=1,2");
    no("speed!=1,80");
}

#[test]
fn strings() {
    yes(r#"brandName=="Mercedes""#);
    no(r#"brandName=="mercedes""#);
    yes(r#"brandName!="Fiat""#);
    yes(r#"brandName>"Audi""#);
    no(r#"brandName<"Audi""#);
    yes(r#"brandName=="A".."N""#);
    no(r#"brandName=="N".."Z""#);
    yes(r#"brandName=="Fiat","Mercedes""#);
    yes("brandName==Mercedes");
    yes("speed.unitCode==\"KMH\"");
}

#[test]
fn booleans() {
    yes("electric==false");
    no("electric==true");
    yes("electric!=true");
    no("electric!=false");
}

#[test]
fn mismatched_types_never_match_except_unequal() {
    no(r#"speed=="80""#);
    no("brandName==80");
    no("brandName>80");
    no(r#"speed>"a""#);
    no("electric==0");
    no("speed==true");
    no("speed==2024-01-01");
    // Clause 4.9: different data types are considered unequal.
    yes(r#"speed!="80""#);
    // A compound value is not equal to a scalar.
    no(r#"address=="Berlin""#);
    yes(r#"address!="Berlin""#);
    // Unequal still needs the target element.
    no("heading!=5");
    no("nothing!=5");
}

#[test]
fn arrays_include() {
    yes(r#"tags=="red""#);
    no(r#"tags=="black""#);
    yes(r#"tags=="black","green""#);
    yes(r#"tags!="black""#);
    no(r#"tags!="red""#);
    no(r#"tags!="black","red""#);
    yes(r#"tags>"r""#);
    yes("sizes==2");
    yes("sizes==3..9");
    yes("sizes>2");
    no("sizes>3");
    no("sizes!=2");
}

#[test]
fn date_times() {
    yes("modifiedAt>2024-03-05T08:00:00Z");
    yes(r#"modifiedAt>"2024-03-05T08:00:00Z""#);
    no("modifiedAt>2024-03-05T10:00:00+01:00");
    yes("modifiedAt==2024-03-05T09:30:00.25+01:00");
    yes("modifiedAt!=2024-03-05T09:30:00+01:00");
    yes(r#"createdAt=="2024-03-01T10:00:00.000Z""#);
    yes("createdAt==2024-01-01T00:00:00Z..2024-12-31T00:00:00Z");
    no("createdAt==2023-01-01T00:00:00Z..2023-12-31T00:00:00Z");
    yes("speed.observedAt>=2024-03-05T08:00:00Z");
    no("speed.observedAt>2024-03-05T08:00:00Z");
    yes("isParked.observedAt<2024-03-05T08:00:00Z");
    yes("serviced<2024-01-01T00:00:00Z");
    // A date literal only compares with dates, a time only with times.
    no("createdAt>2024-01-01");
    yes("birthday==2020-02-29");
    yes("birthday<2021-01-01");
    yes("birthday==2020-01-01..2020-12-31");
    yes("opens<09:00:00Z");
    yes("opens==09:30+01:00");
    no("opens>09:00");
    // Strings that are not date-times compare as text.
    yes(r#"brandName>"2024""#);
}

#[test]
fn relationships() {
    yes("isParked==urn:ngsi-ld:OffStreetParking:Downtown1");
    yes(r#"isParked=="urn:ngsi-ld:OffStreetParking:Downtown1""#);
    no("isParked==urn:ngsi-ld:OffStreetParking:Other");
    yes("isParked!=urn:ngsi-ld:OffStreetParking:Other");
    no("isParked!=urn:ngsi-ld:OffStreetParking:Downtown1");
    yes("isParked==urn:a,urn:ngsi-ld:OffStreetParking:Downtown1");
    // Only equality applies to relationships.
    no(r#"isParked>"a""#);
    no(r#"isParked~="Downtown""#);
    no(r#"isParked!~="x""#);
    yes("isParked.providedBy==urn:ngsi-ld:Person:Bob");
    // No trailing path into a relationship.
    no("isParked[x]");
    yes("parts==urn:ngsi-ld:Part:2");
    no("parts==urn:ngsi-ld:Part:3");
    no("parts!=urn:ngsi-ld:Part:2");
}

#[test]
fn multi_attribute_instances() {
    yes("temperature==20");
    yes("temperature==31");
    yes("temperature>30");
    yes("temperature<25");
    no("temperature>40");
    // Any instance counts, for != too.
    yes("temperature!=20");
    yes("temperature.datasetId==\"urn:ngsi-ld:Dataset:b\"");
    yes("temperature.datasetId==urn:ngsi-ld:Dataset:b");
}

#[test]
fn compound_values() {
    yes(r#"address[city]=="Berlin""#);
    no(r#"address[city]=="Paris""#);
    yes(r#"address[street.name]=="Ulrich Strasse""#);
    yes(r#"address[street][name]=="Ulrich Strasse""#);
    yes("address[street.number]>10");
    yes("address[street]");
    no("address[zip]");
    no("!address[street]");
    yes("!address[zip]");
    // Array elements: by index, or each object element.
    yes(r#"address[phones.kind]=="home""#);
    yes(r#"address[phones.1.n]=="2""#);
    no(r#"address[phones.0.n]=="2""#);
    yes("address[codes]==20");
    yes("address[codes.0]==10");
    yes(r#"location[type]=="Point""#);
    yes("location[coordinates]>50");
    // Member path into a JsonProperty (example 11).
    yes(r#"config[value]=="Overstay 60 minutes""#);
    yes(r#"config[id]~="^85""#);
    // Into a scalar there is nothing.
    no("speed[x]");
}

#[test]
fn language_properties() {
    yes(r#"color=="red""#);
    yes(r#"color=="rouge""#);
    yes(r#"color=="Rot""#);
    yes(r#"color[en]=="red""#);
    no(r#"color[fr]=="red""#);
    yes(r#"color[de]=="rot""#);
    yes(r#"color[*]=="rot""#);
    no(r#"color=="black""#);
    yes(r#"color!="black""#);
    no(r#"color!="red""#);
    no(r#"color[*]!="red""#);
    yes(r#"color[fr]!="red""#);
    no(r#"color[en]!="red""#);
    no(r#"color[it]=="rosso""#);
    no(r#"color[it]!="rosso""#);
    yes("color[en]");
    no("color[it]");
    yes(r#"color~="^ro""#);
    yes(r#"color[en]~="^r""#);
    no(r#"color!~="^ro""#);
    no("color[en.x]");
}

#[test]
fn vocab_properties() {
    yes("gender==http://example.org/Male");
    no("gender==Male");
    let mut q = query("gender==Male");
    q.map_values_of(&|name| name == "gender", &mut |v| {
        format!("http://example.org/{v}")
    });
    assert_eq!(q.to_string(), "gender==http://example.org/Male");
    assert!(q.matches(&car()));
    // Only the attributes named have their values mapped.
    let mut q = query(r#"brandName=="Male";gender==Male"#);
    q.map_values_of(&|name| name == "brandName", &mut |v| format!("x:{v}"));
    assert_eq!(q.to_string(), r#"brandName=="x:Male";gender==Male"#);
}

#[test]
fn patterns() {
    yes(r#"brandName~="^Merc""#);
    yes(r#"brandName~="ced""#);
    yes(r#"brandName~="(?i)^mERC""#);
    no(r#"brandName~="^merc""#);
    yes(r#"brandName!~="^merc""#);
    no(r#"brandName!~="Merc""#);
    yes("brandName~=^M.*s$");
    yes("brandName~=(Fiat|Merc)");
    yes(r#"tags~="^gr""#);
    no(r#"tags!~="^gr""#);
    yes(r#"tags!~="^bl$x""#);
    // Non-strings never match either operator.
    no(r#"speed~="8""#);
    no(r#"speed!~="8""#);
    no(r#"heading!~="x""#);
}

#[test]
fn logic_and_grouping() {
    yes(r#"speed>50;brandName=="Mercedes""#);
    no(r#"speed>90;brandName=="Mercedes""#);
    yes(r#"speed>90|brandName=="Mercedes""#);
    no("speed>90|rpm>3000");
    yes(r#"((speed>90|rpm>2000);brandName=="Mercedes")"#);
    no(r#"((speed>90|rpm>3000);brandName=="Mercedes")"#);
    // AND binds tighter: false | (true ; false) = false.
    no("heading|speed;rpm>9000");
    yes("(heading|speed);rpm<9000");
    yes("speed;rpm;tags;!heading");
}

#[test]
fn linked_entities() {
    let building = json!({
        "id": "urn:ngsi-ld:WeatherStation:123",
        "type": "WeatherStation",
        "sensor": {"type": "Relationship", "objectType": "Device", "object": "urn:ngsi-ld:Device:345"},
        "sensors": {"type": "ListRelationship", "objectList": ["urn:ngsi-ld:Device:1", "urn:ngsi-ld:Device:345"]},
        "name": {"type": "Property", "value": "x"}
    });
    let resolve = |id: &str| {
        let found = match id {
            "urn:ngsi-ld:Device:345" => Some(json!({
                "id": id, "type": "Device",
                "humidity": {"type": "Property", "value": 40},
                "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Person:7"}
            })),
            "urn:ngsi-ld:Person:7" => Some(json!({
                "id": id, "type": ["Person", "Agent"],
                "name": {"type": "Property", "value": "Ann"}
            })),
            _ => None,
        };
        found.map(std::borrow::Cow::Owned)
    };
    let check = |text: &str| query(text).matches_with(&building, &resolve);
    assert!(check("sensor{humidity}==40"));
    assert!(!check("sensor{humidity}==41"));
    assert!(check("sensor{Device:humidity}==40"));
    assert!(check("sensor{Sensor,Device:humidity}>30"));
    assert!(!check("sensor{Sensor:humidity}==40"));
    assert!(check("sensor{humidity}"));
    assert!(!check("sensor{pressure}"));
    assert!(check("!sensor{pressure}"));
    assert!(check(r#"sensor{owner{name}}=="Ann""#));
    assert!(check(r#"sensor{owner{Agent:name}}~="^A""#));
    assert!(check("sensors{humidity}==40"));
    // A Property cannot be followed.
    assert!(!check("name{x}"));
    // Without a resolver linked terms do not match.
    assert!(!query("sensor{humidity}==40").matches(&building));
}

#[test]
fn map_attribute_names_expands_paths() {
    let mut q = query(
        r#"speed.observedAt>2020-01-01T00:00:00Z;address[city]=="x";sensor{Device:humidity.accuracy}<3|createdAt>2020-01-01T00:00:00Z;!foo"#,
    );
    let mut seen = Vec::new();
    q.map_attribute_names(&mut |n| {
        seen.push(n.to_owned());
        format!("ex:{n}")
    });
    assert_eq!(
        seen,
        ["speed", "address", "sensor", "humidity", "accuracy", "foo"]
    );
    assert_eq!(
        q.to_string(),
        r#"ex:speed.observedAt>2020-01-01T00:00:00Z;ex:address[city]=="x";ex:sensor{Device:ex:humidity.ex:accuracy}<3|createdAt>2020-01-01T00:00:00Z;!ex:foo"#
    );
    q.map_entity_types(&mut |t| format!("https://example.org/{t}"));
    assert!(q.to_string().contains("{https://example.org/Device:"));
}

#[test]
fn expanded_names_match_expanded_entities() {
    let entity = json!({
        "id": "urn:x", "type": "https://example.org/T",
        "https://example.org/speed": {"type": "Property", "value": 10, "observedAt": "2024-01-01T00:00:00Z"}
    });
    let mut q = query("speed==10;speed.observedAt<2025-01-01T00:00:00Z");
    assert!(!q.matches(&entity));
    q.map_attribute_names(&mut |n| format!("https://example.org/{n}"));
    assert!(q.matches(&entity));
}

#[test]
fn attribute_names_lists_first_segments_once() {
    let q = query(
        r#"speed>5;speed.observedAt>2020-01-01;(brandName=="x"|!heading);address[city]=="y";sensor{humidity}==1;createdAt>2020-01-01T00:00:00Z"#,
    );
    assert_eq!(
        q.attribute_names(),
        ["speed", "brandName", "heading", "address", "sensor"]
    );
}

#[test]
fn equality_terms_for_indexes() {
    let q = query(
        r#"brandName=="Mercedes";speed==80;isParked==urn:x;rpm>5;tags=="a","b";address[city]=="B";createdAt=="2024-01-01T00:00:00Z";when=="2024-01-01T00:00:00Z";electric==true"#,
    );
    assert_eq!(
        q.equality_terms(),
        vec![
            ("brandName", json!("Mercedes")),
            ("speed", json!(80)),
            ("isParked", json!("urn:x")),
        ]
    );
    assert_eq!(
        query("speed==80").equality_terms(),
        vec![("speed", json!(80))]
    );
    assert!(query("speed==80|rpm==1").equality_terms().is_empty());
    assert!(query("speed>80").equality_terms().is_empty());
    assert_eq!(
        query("(a==1|b==2);c==3").equality_terms(),
        vec![("c", json!(3))]
    );
}

#[test]
fn entity_that_is_not_an_object_never_panics() {
    for entity in [json!(null), json!(5), json!("x"), json!([1, 2]), json!({})] {
        assert!(!query("a==1").matches(&entity));
        assert!(query("!a").matches(&entity));
    }
    let odd = json!({
        "a": 5, "b": [null, 1, {"value": [[1]]}], "c": {"type": "Relationship", "object": 5},
        "d": {"type": "LanguageProperty", "languageMap": "x"}, "e": {"type": "Whatever"},
        "f": {"languageMap": {"en": null}}, "g": {"objectList": [1, {"object": 2}]}
    });
    for text in [
        "a", "a==5", "b==1", "b[0]", "c==5", "d", "d[en]", "e", "f[en]", "g==1", "b.x", "b[x.y]",
    ] {
        let _ = query(text).matches(&odd);
    }
    assert!(!query("a").matches(&odd));
    assert!(query("b==1").matches(&json!({"b": {"value": [[1], 1]}})));
}
