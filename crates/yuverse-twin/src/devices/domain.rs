//! Devices as the FIWARE IoT Agent JSON convention has them, without I/O: the provisioning
//! input and its validation, the MQTT topics, and the mapping of a measure payload (a JSON
//! object of short names) to an NGSI-LD entity fragment.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use yuverse_core::FieldError;

use crate::domain::attribute::{check_attribute_name, is_uri};

/// The payload member that carries the observation time (FIWARE's name).
pub const TIME_INSTANT: &str = "TimeInstant";
/// Most attribute mappings one device may have.
pub const MAX_ATTRIBUTES: usize = 100;

/// The NGSI-LD attribute type a short name becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub enum AttributeType {
    #[default]
    Property,
    GeoProperty,
    Relationship,
    LanguageProperty,
    VocabProperty,
    JsonProperty,
    ListProperty,
}

impl AttributeType {
    const ALL: [AttributeType; 7] = [
        AttributeType::Property,
        AttributeType::GeoProperty,
        AttributeType::Relationship,
        AttributeType::LanguageProperty,
        AttributeType::VocabProperty,
        AttributeType::JsonProperty,
        AttributeType::ListProperty,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::Property => "Property",
            AttributeType::GeoProperty => "GeoProperty",
            AttributeType::Relationship => "Relationship",
            AttributeType::LanguageProperty => "LanguageProperty",
            AttributeType::VocabProperty => "VocabProperty",
            AttributeType::JsonProperty => "JsonProperty",
            AttributeType::ListProperty => "ListProperty",
        }
    }

    fn parse(s: &str) -> Option<AttributeType> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The member that holds the value in the normalised form.
    fn value_member(self) -> &'static str {
        match self {
            AttributeType::Property | AttributeType::GeoProperty => "value",
            AttributeType::Relationship => "object",
            AttributeType::LanguageProperty => "languageMap",
            AttributeType::VocabProperty => "vocab",
            AttributeType::JsonProperty => "json",
            AttributeType::ListProperty => "valueList",
        }
    }
}

/// One short name → attribute mapping (FIWARE `attributes[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttributeMapping {
    /// The short name in the payload (FIWARE `object_id`), e.g. `t`.
    pub object_id: String,
    /// The attribute name, a term of the NGSI-LD core context or an IRI, e.g. `temperature`.
    pub name: String,
    /// The NGSI-LD attribute type (default `Property`).
    #[serde(rename = "type")]
    pub attr_type: AttributeType,
    /// UN/CEFACT unit code put on every value, e.g. `CEL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_code: Option<String>,
}

/// A provisioned device.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Device {
    pub device_id: String,
    pub organisation_id: String,
    /// The id of the platform API key (with `mqtt:publish`) that stands for `{apikey}` in the
    /// device's topics.
    pub api_key_id: String,
    /// The NGSI-LD tenant (`NGSILD-Tenant`); empty for the default tenant.
    pub tenant: String,
    /// The id (a URI) of the entity the measures go to.
    pub entity_name: String,
    pub entity_type: String,
    pub attributes: Vec<AttributeMapping>,
    /// Only mapped short names are kept; otherwise unmapped ones pass through as Properties.
    pub explicit_attrs: bool,
    pub created_at: String,
    pub created_by: String,
}

impl Device {
    /// `/{apikey}/{deviceId}/attrs`, where measures arrive.
    pub fn attrs_topic(&self) -> String {
        topic(&self.api_key_id, &self.device_id, TopicKind::Attrs)
    }

    /// `/{apikey}/{deviceId}/cmd`, where commands go.
    pub fn cmd_topic(&self) -> String {
        topic(&self.api_key_id, &self.device_id, TopicKind::Cmd)
    }
}

/// A provisioning request (`POST /api/v1/twin/devices`), with FIWARE's field names.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// 1-64 letters, digits, `-`, `_`, `.` or `:`; unique on the platform.
    pub device_id: String,
    /// The id of the target entity: a URI such as `urn:ngsi-ld:AirQualityObserved:001`.
    pub entity_name: String,
    /// The entity type: a term of the core context or an IRI.
    pub entity_type: String,
    /// The id of a live platform API key with `mqtt:publish` of the device's organisation.
    pub api_key_id: String,
    /// Defaults to the API key's organisation; when given it must be the same.
    #[serde(default)]
    pub organisation_id: Option<String>,
    /// NGSI-LD tenant; default the default tenant.
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub attributes: Vec<NewAttributeMapping>,
    #[serde(default)]
    pub explicit_attrs: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttributeMapping {
    pub object_id: String,
    pub name: String,
    /// `Property` (default), `GeoProperty`, `Relationship`, `LanguageProperty`,
    /// `VocabProperty`, `JsonProperty` or `ListProperty`.
    #[serde(default, rename = "type")]
    pub attr_type: Option<String>,
    #[serde(default)]
    pub unit_code: Option<String>,
}

/// The parts of a [`NewDevice`] that need no look-up, checked; each problem names its field.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDevice {
    pub device_id: String,
    pub entity_name: String,
    pub entity_type: String,
    pub tenant: String,
    pub attributes: Vec<AttributeMapping>,
    pub explicit_attrs: bool,
}

fn is_token(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

pub fn check_device_id(id: &str) -> bool {
    is_token(id, 64)
}

/// Names a payload member may not map to: the entity's own members.
fn is_reserved_name(name: &str) -> bool {
    matches!(
        name,
        "id" | "type" | "@context" | "@id" | "@type" | "scope" | "createdAt" | "modifiedAt"
    )
}

impl NewDevice {
    pub fn validate(&self) -> Result<ValidDevice, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !check_device_id(&self.device_id) {
            errors.push(FieldError::new(
                "device_id",
                "must be 1-64 letters, digits, '-', '_', '.' or ':'",
            ));
        }
        if self.entity_name.len() > 256 || !is_uri(&self.entity_name) {
            errors.push(FieldError::new(
                "entity_name",
                "must be a URI of at most 256 characters, e.g. urn:ngsi-ld:Sensor:001",
            ));
        }
        if self.entity_type.len() > 256 || check_attribute_name(&self.entity_type).is_err() {
            errors.push(FieldError::new(
                "entity_type",
                "must be a type name or IRI without spaces or query delimiters",
            ));
        }
        let tenant = self.tenant.clone().unwrap_or_default();
        if !(tenant.len() <= 64
            && tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)))
        {
            errors.push(FieldError::new(
                "tenant",
                "up to 64 letters, digits, '-' and '_'",
            ));
        }
        if self.attributes.len() > MAX_ATTRIBUTES {
            errors.push(FieldError::new(
                "attributes",
                format!("at most {MAX_ATTRIBUTES} mappings"),
            ));
        }
        let mut attributes = Vec::with_capacity(self.attributes.len());
        for (i, a) in self.attributes.iter().enumerate() {
            let field = |f: &str| format!("attributes[{i}].{f}");
            let mut ok = true;
            if !is_token(&a.object_id, 64) || a.object_id == TIME_INSTANT {
                errors.push(FieldError::new(
                    field("object_id"),
                    "must be 1-64 letters, digits, '-', '_', '.' or ':' and not TimeInstant",
                ));
                ok = false;
            } else if self.attributes[..i]
                .iter()
                .any(|b| b.object_id == a.object_id)
            {
                errors.push(FieldError::new(field("object_id"), "is mapped twice"));
                ok = false;
            }
            if a.name.len() > 256 || check_attribute_name(&a.name).is_err() {
                errors.push(FieldError::new(
                    field("name"),
                    "must be an attribute name or IRI without spaces or query delimiters",
                ));
                ok = false;
            } else if is_reserved_name(&a.name) {
                errors.push(FieldError::new(
                    field("name"),
                    format!("`{}` is a member of the entity, not an attribute", a.name),
                ));
                ok = false;
            } else if self.attributes[..i].iter().any(|b| b.name == a.name) {
                errors.push(FieldError::new(
                    field("name"),
                    "two short names map to this attribute",
                ));
                ok = false;
            }
            let attr_type = match a.attr_type.as_deref() {
                None => AttributeType::Property,
                Some(t) => match AttributeType::parse(t) {
                    Some(t) => t,
                    None => {
                        errors.push(FieldError::new(
                            field("type"),
                            format!(
                                "unknown attribute type `{t}` (use one of {})",
                                AttributeType::ALL
                                    .iter()
                                    .map(|t| t.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                        ok = false;
                        AttributeType::Property
                    }
                },
            };
            if let Some(unit) = &a.unit_code {
                if !(1..=16).contains(&unit.len())
                    || !unit.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    errors.push(FieldError::new(
                        field("unit_code"),
                        "must be a UN/CEFACT code of 1-16 letters and digits",
                    ));
                    ok = false;
                }
            }
            if ok {
                attributes.push(AttributeMapping {
                    object_id: a.object_id.clone(),
                    name: a.name.clone(),
                    attr_type,
                    unit_code: a.unit_code.clone(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidDevice {
            device_id: self.device_id.clone(),
            entity_name: self.entity_name.clone(),
            entity_type: self.entity_type.clone(),
            tenant,
            attributes,
            explicit_attrs: self.explicit_attrs,
        })
    }
}

/// What a topic is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    /// Measures from the device.
    Attrs,
    /// Commands to the device.
    Cmd,
    /// Command results from the device.
    CmdExe,
}

impl TopicKind {
    fn as_str(self) -> &'static str {
        match self {
            TopicKind::Attrs => "attrs",
            TopicKind::Cmd => "cmd",
            TopicKind::CmdExe => "cmdexe",
        }
    }
}

/// The filters the platform subscribes to: measures and command results of every device.
pub const INGEST_FILTERS: [&str; 2] = ["/+/+/attrs", "/+/+/cmdexe"];

pub fn topic(api_key: &str, device_id: &str, kind: TopicKind) -> String {
    format!("/{api_key}/{device_id}/{}", kind.as_str())
}

/// `/{apikey}/{deviceId}/attrs|cmdexe` → its parts; other topics are not ours.
pub fn parse_topic(topic: &str) -> Option<(&str, &str, TopicKind)> {
    let rest = topic.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let (key, device, kind) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || key.is_empty() || device.is_empty() {
        return None;
    }
    let kind = match kind {
        "attrs" => TopicKind::Attrs,
        "cmdexe" => TopicKind::CmdExe,
        _ => return None,
    };
    Some((key, device, kind))
}

/// Why a payload was refused (counted on the device and logged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError(pub String);

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn payload_object(payload: &[u8]) -> Result<Map<String, Value>, PayloadError> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| PayloadError(format!("the payload is not JSON: {e}")))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(PayloadError(
            "the payload must be a JSON object of short names".into(),
        )),
    }
}

/// The observation time: the payload's `TimeInstant` (RFC 3339, any offset) or `received`.
fn observed_at(
    object: &mut Map<String, Value>,
    received: DateTime<Utc>,
) -> Result<String, PayloadError> {
    let at = match object.remove(TIME_INSTANT) {
        None => received,
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(&s)
            .map_err(|_| PayloadError(format!("{TIME_INSTANT} `{s}` is not an RFC 3339 time")))?
            .with_timezone(&Utc),
        Some(_) => {
            return Err(PayloadError(format!(
                "{TIME_INSTANT} must be an RFC 3339 string"
            )))
        }
    };
    Ok(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn attribute(
    attr_type: AttributeType,
    value: Value,
    observed_at: &str,
    unit_code: Option<&str>,
) -> Value {
    let value = match (attr_type, value) {
        // A bare [longitude, latitude] is a Point.
        (AttributeType::GeoProperty, Value::Array(c))
            if c.len() == 2 && c.iter().all(Value::is_number) =>
        {
            json!({"type": "Point", "coordinates": c})
        }
        (_, v) => v,
    };
    let mut attr = Map::new();
    attr.insert("type".into(), Value::String(attr_type.as_str().into()));
    attr.insert(attr_type.value_member().into(), value);
    attr.insert("observedAt".into(), Value::String(observed_at.into()));
    if let Some(unit) = unit_code {
        attr.insert("unitCode".into(), Value::String(unit.into()));
    }
    Value::Object(attr)
}

/// A measure payload → the entity fragment to upsert (`id`, `type` and one attribute per
/// known short name). Unmapped short names pass through as Properties unless the device has
/// `explicit_attrs`; a payload with nothing to write is refused.
pub fn measure(
    device: &Device,
    payload: &[u8],
    received: DateTime<Utc>,
) -> Result<Value, PayloadError> {
    let mut object = payload_object(payload)?;
    let at = observed_at(&mut object, received)?;
    let mut entity = Map::new();
    entity.insert("id".into(), Value::String(device.entity_name.clone()));
    entity.insert("type".into(), Value::String(device.entity_type.clone()));
    for (short, value) in object {
        match device.attributes.iter().find(|m| m.object_id == short) {
            Some(m) => {
                entity.insert(
                    m.name.clone(),
                    attribute(m.attr_type, value, &at, m.unit_code.as_deref()),
                );
            }
            None if device.explicit_attrs => {}
            None => {
                if is_reserved_name(&short) || check_attribute_name(&short).is_err() {
                    return Err(PayloadError(format!(
                        "`{short}` is neither a mapped short name nor a valid attribute name"
                    )));
                }
                // A mapped attribute wins over a pass-through of the same name.
                if !device.attributes.iter().any(|m| m.name == short) {
                    entity.insert(short, attribute(AttributeType::Property, value, &at, None));
                }
            }
        }
    }
    if entity.len() == 2 {
        return Err(PayloadError(
            "the payload has no attribute of this device".into(),
        ));
    }
    Ok(Value::Object(entity))
}

/// A command result (`/cmdexe`, `{"<command>": <result>}`) → `<command>_status` = `OK` and
/// `<command>_info` = the result, as the IoT Agent records them.
pub fn command_result(
    device: &Device,
    payload: &[u8],
    received: DateTime<Utc>,
) -> Result<Value, PayloadError> {
    let mut object = payload_object(payload)?;
    let at = observed_at(&mut object, received)?;
    let mut entity = Map::new();
    entity.insert("id".into(), Value::String(device.entity_name.clone()));
    entity.insert("type".into(), Value::String(device.entity_type.clone()));
    for (command, result) in object {
        if !check_command_name(&command) {
            return Err(PayloadError(format!("`{command}` is not a command name")));
        }
        entity.insert(
            format!("{command}_status"),
            attribute(AttributeType::Property, json!("OK"), &at, None),
        );
        entity.insert(
            format!("{command}_info"),
            attribute(AttributeType::Property, result, &at, None),
        );
    }
    if entity.len() == 2 {
        return Err(PayloadError("the command result is empty".into()));
    }
    Ok(Value::Object(entity))
}

/// The attributes that record a command as sent: `<command>_status` = `PENDING`.
pub fn command_pending(device: &Device, command: &str, sent: DateTime<Utc>) -> Value {
    let at = sent.to_rfc3339_opts(SecondsFormat::Millis, true);
    json!({
        "id": device.entity_name,
        "type": device.entity_type,
        format!("{command}_status"): attribute(AttributeType::Property, json!("PENDING"), &at, None),
    })
}

/// Command names become attribute names (`<name>_status`): letters, digits and `_`.
pub fn check_command_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The command payload (`{"<command>": <value>}`), FIWARE's JSON command format.
pub fn command_payload(command: &str, value: &Value) -> Vec<u8> {
    let mut object = Map::new();
    object.insert(command.to_owned(), value.clone());
    Value::Object(object).to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_device() -> NewDevice {
        serde_json::from_value(json!({
            "device_id": "aq-001",
            "entity_name": "urn:ngsi-ld:AirQualityObserved:001",
            "entity_type": "AirQualityObserved",
            "api_key_id": "k1",
            "attributes": [
                {"object_id": "p", "name": "pm25", "unit_code": "GQ"},
                {"object_id": "l", "name": "location", "type": "GeoProperty"},
                {"object_id": "r", "name": "refPark", "type": "Relationship"}
            ]
        }))
        .unwrap()
    }

    fn device(explicit_attrs: bool) -> Device {
        let valid = new_device().validate().unwrap();
        Device {
            device_id: valid.device_id,
            organisation_id: "o".into(),
            api_key_id: "k1".into(),
            tenant: valid.tenant,
            entity_name: valid.entity_name,
            entity_type: valid.entity_type,
            attributes: valid.attributes,
            explicit_attrs,
            created_at: String::new(),
            created_by: String::new(),
        }
    }

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_valid_request_passes_with_defaults() {
        let valid = new_device().validate().unwrap();
        assert_eq!(valid.tenant, "");
        assert_eq!(valid.attributes[0].attr_type, AttributeType::Property);
        assert_eq!(valid.attributes[1].attr_type, AttributeType::GeoProperty);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut d = new_device();
        d.device_id = "a/b".into();
        d.entity_name = "not a uri".into();
        d.tenant = Some("bad tenant".into());
        d.attributes[1].object_id = "p".into();
        d.attributes[2].attr_type = Some("Number".into());
        d.attributes[0].unit_code = Some("°C".into());
        let fields: Vec<String> = d
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "device_id",
                "entity_name",
                "tenant",
                "attributes[0].unit_code",
                "attributes[1].object_id",
                "attributes[2].type"
            ]
        );
    }

    #[test]
    fn reserved_and_duplicate_names_are_refused() {
        let mut d = new_device();
        d.attributes[0].name = "id".into();
        d.attributes[2].name = "location".into();
        let fields: Vec<String> = d
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["attributes[0].name", "attributes[2].name"]);
    }

    #[test]
    fn topics_round_trip() {
        let d = device(false);
        assert_eq!(d.attrs_topic(), "/k1/aq-001/attrs");
        assert_eq!(d.cmd_topic(), "/k1/aq-001/cmd");
        assert_eq!(
            parse_topic("/k1/aq-001/attrs"),
            Some(("k1", "aq-001", TopicKind::Attrs))
        );
        assert_eq!(
            parse_topic("/k1/aq-001/cmdexe"),
            Some(("k1", "aq-001", TopicKind::CmdExe))
        );
        for other in [
            "k1/aq-001/attrs",
            "/k1/aq-001/cmd",
            "//aq/attrs",
            "/k1/aq/attrs/x",
        ] {
            assert_eq!(parse_topic(other), None, "{other}");
        }
    }

    #[test]
    fn a_measure_maps_short_names_with_types_units_and_time() {
        let payload = br#"{"p": 35.5, "l": [106.6, 29.7], "r": "urn:ngsi-ld:Park:1", "x": 1,
                           "TimeInstant": "2026-11-29T16:00:00+08:00"}"#;
        let e = measure(&device(false), payload, at()).unwrap();
        assert_eq!(e["id"], "urn:ngsi-ld:AirQualityObserved:001");
        assert_eq!(e["type"], "AirQualityObserved");
        assert_eq!(
            e["pm25"],
            json!({"type": "Property", "value": 35.5, "unitCode": "GQ",
                   "observedAt": "2026-11-29T08:00:00.000Z"})
        );
        assert_eq!(e["location"]["value"]["type"], "Point");
        assert_eq!(e["refPark"]["object"], "urn:ngsi-ld:Park:1");
        assert_eq!(e["x"]["value"], 1);
        assert!(e.get("TimeInstant").is_none());
    }

    #[test]
    fn explicit_attrs_drop_unmapped_names() {
        let e = measure(&device(true), br#"{"p": 1, "x": 2}"#, at()).unwrap();
        assert!(e.get("x").is_none());
        assert_eq!(e["pm25"]["observedAt"], "2026-11-29T08:00:00.000Z");
        assert!(measure(&device(true), br#"{"x": 2}"#, at()).is_err());
    }

    #[test]
    fn bad_payloads_are_refused_with_a_reason() {
        let d = device(false);
        for (payload, reason) in [
            (&b"not json"[..], "not JSON"),
            (b"[1, 2]", "JSON object"),
            (b"{}", "no attribute"),
            (br#"{"p": 1, "TimeInstant": "yesterday"}"#, "RFC 3339"),
            (br#"{"p": 1, "TimeInstant": 5}"#, "RFC 3339"),
            (br#"{"id": "urn:x:y"}"#, "valid attribute name"),
            (br#"{"a b": 1}"#, "valid attribute name"),
        ] {
            let e = measure(&d, payload, at()).unwrap_err();
            assert!(e.0.contains(reason), "{e} should mention {reason}");
        }
    }

    #[test]
    fn commands_follow_the_iot_agent_json_convention() {
        let d = device(false);
        assert_eq!(
            command_payload("ring", &json!("")),
            br#"{"ring":""}"#.to_vec()
        );
        let pending = command_pending(&d, "ring", at());
        assert_eq!(pending["ring_status"]["value"], "PENDING");
        let done = command_result(&d, br#"{"ring": {"ok": true}}"#, at()).unwrap();
        assert_eq!(done["ring_status"]["value"], "OK");
        assert_eq!(done["ring_info"]["value"], json!({"ok": true}));
        assert!(command_result(&d, br#"{"a b": 1}"#, at()).is_err());
        assert!(check_command_name("ring_2") && !check_command_name("ring-2"));
    }
}
