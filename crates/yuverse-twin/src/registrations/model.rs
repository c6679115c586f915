//! A context source registration (clause 5.2.9 of GS CIM 009 V1.9.1): its JSON as the client
//! wrote it, and the parts compiled for discovery.

use serde_json::{Map, Value};

use crate::domain::attribute::is_uri;
use crate::domain::entity::parse_scope;
use crate::domain::Vocabulary;
use crate::error::{NgsiError, NgsiResult};
use crate::subscriptions::EntitySelector;

/// The operation groups a registration's `operations` may name (clause 4.20 of GS CIM 009
/// V1.9.1), with the operations each stands for.
const OPERATION_GROUPS: [(&str, &[&str]); 4] = [
    (
        "federationOps",
        &[
            "retrieveEntity",
            "queryEntity",
            "queryBatch",
            "retrieveEntityTypes",
            "retrieveEntityTypeDetails",
            "retrieveEntityTypeInfo",
            "retrieveAttrTypes",
            "retrieveAttrTypeDetails",
            "retrieveAttrTypeInfo",
            "createSubscription",
            "updateSubscription",
            "retrieveSubscription",
            "querySubscription",
            "deleteSubscription",
        ],
    ),
    (
        "updateOps",
        &[
            "updateEntity",
            "updateAttrs",
            "replaceEntity",
            "replaceAttrs",
        ],
    ),
    ("retrieveOps", &["retrieveEntity", "queryEntity"]),
    (
        "redirectionOps",
        &[
            "createEntity",
            "updateEntity",
            "appendAttrs",
            "updateAttrs",
            "deleteAttrs",
            "deleteEntity",
            "mergeEntity",
            "replaceEntity",
            "replaceAttrs",
            "purgeEntity",
            "retrieveEntity",
            "queryEntity",
            "retrieveEntityTypes",
            "retrieveEntityTypeDetails",
            "retrieveEntityTypeInfo",
            "retrieveAttrTypes",
            "retrieveAttrTypeDetails",
            "retrieveAttrTypeInfo",
        ],
    ),
];

/// Whether the operation group `group` includes `operation`.
fn in_group(group: &str, operation: &str) -> bool {
    OPERATION_GROUPS
        .iter()
        .any(|(name, operations)| *name == group && operations.contains(&operation))
}

/// The registration modes of clause 4.3.6.
const MODES: [&str; 4] = ["inclusive", "exclusive", "redirect", "auxiliary"];

/// Members the broker keeps itself: sent ones are ignored rather than stored.
const OUTPUT_ONLY: [&str; 7] = [
    "createdAt",
    "modifiedAt",
    "status",
    "timesSent",
    "timesFailed",
    "lastSuccess",
    "lastFailure",
];

/// Members that describe the registration rather than being properties of the context source.
const STRUCTURE: [&str; 3] = ["id", "type", "information"];

/// The GeoJSON members of a registration (clause 5.2.9), queried with `georel`.
const GEO_MEMBERS: [&str; 3] = ["location", "observationSpace", "operationSpace"];

/// One `information` item: which entities, and which of their attributes, the source can
/// provide. Empty lists mean "any" (an item names at least one of them).
#[derive(Debug, Clone)]
pub struct RegistrationInfo {
    pub entities: Vec<EntitySelector>,
    /// Expanded names of `propertyNames` and `relationshipNames` together.
    pub attributes: Vec<String>,
}

/// `observationInterval` or `managementInterval`, in the storage form of times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub start: String,
    pub end: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Registration {
    pub id: String,
    /// The registration as created or last updated (the client's terms), with its id.
    pub document: Map<String, Value>,
    /// The @context it was made with (for expanding its terms again at start).
    pub context: Value,
    pub information: Vec<RegistrationInfo>,
    /// The registration's own members as the properties of an entity (expanded names, the
    /// GeoJSON members as GeoProperties, `scope` as an entity's scope), for `csf`, `scopeQ`
    /// and geo-queries, which read registrations as they read entities.
    pub as_entity: Value,
    pub observation_interval: Option<Interval>,
    pub management_interval: Option<Interval>,
    pub expires_at: Option<String>,
    /// `operations`, when given (the standard's default is `federationOps`).
    pub operations: Option<Vec<String>>,
}

fn strings(value: &Value, field: &str) -> NgsiResult<Vec<String>> {
    value
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| NgsiError::bad_data(format!("{field} must be a non-empty list")))?
        .iter()
        .map(|v| {
            v.as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| NgsiError::bad_data(format!("{field} must hold non-empty strings")))
        })
        .collect()
}

fn time(value: &Value, field: &str) -> NgsiResult<String> {
    value
        .as_str()
        .and_then(yuverse_core::time::parse_rfc3339)
        .map(yuverse_core::time::to_db)
        .ok_or_else(|| NgsiError::bad_data(format!("{field} must be an RFC 3339 date-time")))
}

fn interval(value: &Value, field: &str) -> NgsiResult<Interval> {
    let object = value
        .as_object()
        .ok_or_else(|| NgsiError::bad_data(format!("{field} must be an object")))?;
    let start = object
        .get("startAt")
        .ok_or_else(|| NgsiError::bad_data(format!("{field}.startAt is required")))
        .and_then(|v| time(v, &format!("{field}.startAt")))?;
    let end = object
        .get("endAt")
        .map(|v| time(v, &format!("{field}.endAt")))
        .transpose()?;
    if end.as_ref().is_some_and(|e| *e < start) {
        return Err(NgsiError::bad_data(format!(
            "{field}.endAt is before its startAt"
        )));
    }
    Ok(Interval { start, end })
}

fn entity_selector(item: &Value, vocab: &dyn Vocabulary) -> NgsiResult<EntitySelector> {
    let object = item
        .as_object()
        .ok_or_else(|| NgsiError::bad_data("information[].entities items must be objects"))?;
    let types = match object.get("type") {
        Some(Value::String(t)) if !t.is_empty() => vec![t.clone()],
        Some(list @ Value::Array(_)) => strings(list, "information[].entities[].type")?,
        _ => {
            return Err(NgsiError::bad_data(
                "every information[].entities item needs a type",
            ))
        }
    };
    let id = match object.get("id") {
        None => None,
        Some(Value::String(id)) if is_uri(id) => Some(id.clone()),
        Some(_) => {
            return Err(NgsiError::bad_data(
                "information[].entities[].id must be a URI",
            ))
        }
    };
    let id_pattern = match object.get("idPattern") {
        None => None,
        Some(Value::String(p)) => Some(
            regex::RegexBuilder::new(p)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    NgsiError::bad_data(format!("information[].entities[].idPattern: {e}"))
                })?,
        ),
        Some(_) => {
            return Err(NgsiError::bad_data(
                "information[].entities[].idPattern must be a string",
            ))
        }
    };
    Ok(EntitySelector {
        type_expr: None,
        id,
        id_pattern,
        types: types.iter().map(|t| vocab.expand(t)).collect(),
    })
}

fn information(value: Option<&Value>, vocab: &dyn Vocabulary) -> NgsiResult<Vec<RegistrationInfo>> {
    let items = value
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| NgsiError::bad_data("a registration needs a non-empty information list"))?;
    items
        .iter()
        .map(|item| {
            let object = item
                .as_object()
                .ok_or_else(|| NgsiError::bad_data("information items must be objects"))?;
            if let Some(unknown) = object.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "entities" | "propertyNames" | "relationshipNames"
                )
            }) {
                return Err(NgsiError::bad_data(format!(
                    "unknown information member `{unknown}`"
                )));
            }
            if object.is_empty() {
                return Err(NgsiError::bad_data(
                    "an information item needs entities, propertyNames or relationshipNames",
                ));
            }
            let entities = match object.get("entities") {
                None => Vec::new(),
                Some(list) => list
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| {
                        NgsiError::bad_data("information[].entities must be a non-empty list")
                    })?
                    .iter()
                    .map(|e| entity_selector(e, vocab))
                    .collect::<NgsiResult<_>>()?,
            };
            let mut attributes = Vec::new();
            for field in ["propertyNames", "relationshipNames"] {
                if let Some(names) = object.get(field) {
                    attributes.extend(
                        strings(names, &format!("information[].{field}"))?
                            .iter()
                            .map(|n| vocab.expand(n)),
                    );
                }
            }
            Ok(RegistrationInfo {
                entities,
                attributes,
            })
        })
        .collect()
}

/// Checks the members of clause 5.2.9 that have a fixed shape; other members are properties
/// of the context source and may hold any JSON.
fn check_member(name: &str, value: &Value) -> NgsiResult<()> {
    let string = || {
        value
            .as_str()
            .map(|_| ())
            .ok_or_else(|| NgsiError::bad_data(format!("{name} must be a string")))
    };
    match name {
        "registrationName" | "description" | "tenant" | "refreshRate" => string(),
        "endpoint" => match value.as_str() {
            Some(uri) if is_uri(uri) => Ok(()),
            _ => Err(NgsiError::bad_data("endpoint must be a URI")),
        },
        "mode" => match value.as_str() {
            Some(mode) if MODES.contains(&mode) => Ok(()),
            _ => Err(NgsiError::bad_data(
                "mode must be inclusive, exclusive, redirect or auxiliary",
            )),
        },
        "operations" => strings(value, "operations").map(|_| ()),
        "contextSourceInfo" => {
            crate::subscriptions::endpoint::key_values(Some(value), "contextSourceInfo").map(|_| ())
        }
        "location" | "observationSpace" | "operationSpace" => {
            yuverse_twin_geo::geometry_from_geojson(value)
                .map(|_| ())
                .map_err(|e| NgsiError::bad_data(format!("{name}: {e}")))
        }
        "management" => {
            let object = value
                .as_object()
                .ok_or_else(|| NgsiError::bad_data("management must be an object"))?;
            // RegistrationManagementInfo (clause 5.2.34): cacheDuration is an ISO 8601
            // duration, timeout and cooldown are milliseconds greater than 0.
            for (member, v) in object {
                let fine = match member.as_str() {
                    "localOnly" => v.is_boolean(),
                    "cacheDuration" => v.as_str().is_some_and(|d| {
                        crate::service::temporal::PeriodDuration::parse(d).is_ok()
                    }),
                    "timeout" | "cooldown" => v.as_f64().is_some_and(|n| n > 0.0),
                    _ => true,
                };
                if !fine {
                    return Err(NgsiError::bad_data(format!(
                        "management.{member} has the wrong type or value"
                    )));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// What a registration's mode asks of it (clauses 4.3.6.3 and 5.9.2.4): an exclusive one
/// relates to given attributes of given entities (each by id: no idPattern, no type alone);
/// an auxiliary one only answers reads.
fn check_mode(
    mode: Option<&str>,
    operations: Option<&[String]>,
    information: &[RegistrationInfo],
) -> NgsiResult<()> {
    match mode {
        Some("exclusive") => {
            let specific = information.iter().all(|info| {
                !info.attributes.is_empty()
                    && !info.entities.is_empty()
                    && info
                        .entities
                        .iter()
                        .all(|e| e.id.is_some() && e.id_pattern.is_none())
            });
            if specific {
                Ok(())
            } else {
                Err(NgsiError::bad_data(
                    "an exclusive registration names entities by id (no idPattern) and their attributes in every information item",
                ))
            }
        }
        Some("auxiliary") => {
            let reads = ["retrieveOps", "retrieveEntity", "queryEntity"];
            match operations {
                Some(ops) if ops.iter().any(|o| !reads.contains(&o.as_str())) => {
                    Err(NgsiError::bad_data(
                        "an auxiliary registration takes only retrieveOps, retrieveEntity and queryEntity",
                    ))
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

impl Registration {
    /// Validates and compiles a registration document (its `@context` already taken out).
    pub fn parse(
        id: String,
        mut document: Map<String, Value>,
        context: Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<Registration> {
        for member in OUTPUT_ONLY {
            document.remove(member);
        }
        if document.get("type").and_then(Value::as_str) != Some("ContextSourceRegistration") {
            return Err(NgsiError::bad_data(
                "a registration needs \"type\": \"ContextSourceRegistration\"",
            ));
        }
        if !document.get("endpoint").is_some_and(Value::is_string) {
            return Err(NgsiError::bad_data("a registration needs an endpoint"));
        }
        let information = information(document.get("information"), vocab)?;
        let mut properties = Map::new();
        properties.insert("id".into(), Value::String(id.clone()));
        properties.insert(
            "type".into(),
            Value::Array(vec![Value::String(
                vocab.expand("ContextSourceRegistration"),
            )]),
        );
        for (name, value) in &document {
            if STRUCTURE.contains(&name.as_str()) {
                continue;
            }
            check_member(name, value)?;
            if name == "scope" {
                if let Some(scope) = parse_scope(Some(value))? {
                    properties.insert("scope".into(), scope);
                }
                continue;
            }
            let kind = if GEO_MEMBERS.contains(&name.as_str()) {
                "GeoProperty"
            } else {
                "Property"
            };
            properties.insert(
                vocab.expand(name),
                serde_json::json!([{"type": kind, "value": value}]),
            );
        }
        let observation_interval = document
            .get("observationInterval")
            .map(|v| interval(v, "observationInterval"))
            .transpose()?;
        let management_interval = document
            .get("managementInterval")
            .map(|v| interval(v, "managementInterval"))
            .transpose()?;
        let expires_at = document
            .get("expiresAt")
            .map(|v| time(v, "expiresAt"))
            .transpose()?;
        let operations = document
            .get("operations")
            .map(|o| strings(o, "operations"))
            .transpose()?;
        check_mode(
            document.get("mode").and_then(Value::as_str),
            operations.as_deref(),
            &information,
        )?;
        document.insert("id".into(), Value::String(id.clone()));
        Ok(Registration {
            id,
            document,
            context,
            information,
            as_entity: Value::Object(properties),
            observation_interval,
            management_interval,
            expires_at,
            operations,
        })
    }

    pub fn expired(&self, now: &str) -> bool {
        self.expires_at.as_deref().is_some_and(|e| e <= now)
    }

    /// Whether the source takes this operation (`retrieveEntity`, `createEntity`…): named, or
    /// in one of the groups named (`federationOps` when `operations` is not given, so that a
    /// registration takes no write unless it says so).
    pub fn allows(&self, operation: &str) -> bool {
        match &self.operations {
            None => in_group("federationOps", operation),
            Some(ops) => ops.iter().any(|o| o == operation || in_group(o, operation)),
        }
    }

    /// `mode` (clause 4.3.6.2); `inclusive` when not given.
    pub fn mode(&self) -> &str {
        self.document
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("inclusive")
    }

    /// `management.timeout` in milliseconds, if given.
    pub fn timeout_ms(&self) -> Option<f64> {
        self.document
            .get("management")
            .and_then(|m| m.get("timeout"))
            .and_then(Value::as_f64)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::vocabulary::Identity;

    fn parse(doc: Value) -> NgsiResult<Registration> {
        let Value::Object(doc) = doc else { panic!() };
        Registration::parse(
            "urn:ngsi-ld:ContextSourceRegistration:r1".into(),
            doc,
            Value::Null,
            &Identity,
        )
    }

    fn minimal() -> Value {
        json!({"type": "ContextSourceRegistration", "endpoint": "http://source.example:1026",
               "information": [{"entities": [{"type": "Vehicle"}]}]})
    }

    #[test]
    fn a_registration_compiles_its_information_and_properties() {
        let mut doc = minimal();
        doc["information"] = json!([
            {"entities": [{"id": "urn:ngsi-ld:Vehicle:A456", "type": "Vehicle"}],
             "propertyNames": ["speed"], "relationshipNames": ["isParked"]},
            {"propertyNames": ["pm25"]}
        ]);
        doc["location"] = json!({"type": "Point", "coordinates": [106.6, 29.7]});
        doc["district"] = json!("渝北");
        doc["status"] = json!("ok");
        let r = parse(doc).unwrap();
        assert_eq!(r.information.len(), 2);
        assert_eq!(r.information[0].attributes, vec!["speed", "isParked"]);
        assert!(r.information[1].entities.is_empty());
        assert_eq!(r.as_entity["location"][0]["type"], "GeoProperty");
        assert_eq!(r.as_entity["district"][0]["value"], "渝北");
        assert!(
            r.document.get("status").is_none(),
            "output-only members are not kept"
        );
        assert_eq!(r.document["id"], "urn:ngsi-ld:ContextSourceRegistration:r1");
    }

    #[test]
    fn modes_and_management_that_fit_are_taken() {
        let mut doc = minimal();
        doc["mode"] = json!("exclusive");
        doc["information"] =
            json!([{"entities": [{"id": "urn:x:1", "type": "T"}], "propertyNames": ["a"]}]);
        doc["management"] =
            json!({"cacheDuration": "PT5M", "cooldown": 500, "timeout": 3000, "localOnly": true});
        assert!(parse(doc).is_ok());
        let mut doc = minimal();
        doc["mode"] = json!("auxiliary");
        doc["operations"] = json!(["retrieveOps", "queryEntity"]);
        assert!(parse(doc).is_ok());
    }

    #[test]
    fn malformed_registrations_are_refused() {
        let cases = [
            json!({"type": "Subscription"}),
            json!({"endpoint": "nope"}),
            json!({"information": []}),
            json!({"information": [{}]}),
            json!({"information": [{"entities": [{"id": "urn:x:1"}]}]}),
            json!({"information": [{"entities": [{"type": "T", "idPattern": "("}]}]}),
            json!({"information": [{"propertyNames": []}]}),
            json!({"information": [{"properties": ["a"]}]}),
            json!({"mode": "sometimes"}),
            json!({"location": {"type": "Point"}}),
            json!({"observationInterval": {"endAt": "2026-01-01T00:00:00Z"}}),
            json!({"observationInterval": {"startAt": "2026-02-01T00:00:00Z", "endAt": "2026-01-01T00:00:00Z"}}),
            json!({"expiresAt": "tomorrow"}),
            json!({"contextSourceInfo": [{"key": "a"}]}),
            json!({"management": {"localOnly": "yes"}}),
            json!({"management": {"cacheDuration": "bogus"}}),
            json!({"management": {"cacheDuration": 60}}),
            json!({"management": {"cooldown": 0}}),
            json!({"management": {"timeout": -5}}),
            json!({"mode": "auxiliary", "operations": ["updateEntity"]}),
            json!({"mode": "exclusive"}),
            json!({"mode": "exclusive", "information": [{"entities": [{"id": "urn:x:1", "type": "T"}]}]}),
            json!({"mode": "exclusive", "information": [{"entities": [{"idPattern": "urn:x:.*", "type": "T"}], "propertyNames": ["a"]}]}),
            json!({"scope": "no-slash"}),
        ];
        for case in cases {
            let mut doc = minimal();
            for (k, v) in case.as_object().unwrap() {
                doc[k] = v.clone();
            }
            assert!(parse(doc.clone()).is_err(), "{doc}");
        }
    }
}
