//! Context source registrations (clauses 5.9, 5.10 and 6.8 of GS CIM 009 V1.9.1): CRUD with
//! its errors, discovery with its filters, tenants, user @contexts and restarts; context source
//! subscriptions (clause 5.11) with a real HTTP receiver.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;
use crate::subscriptions::receiver;

const PATH: &str = "/csourceRegistrations";

/// The example of the standard: vehicles by id and parkings by pattern, with a service area.
fn vehicles(id: &str) -> Value {
    json!({
        "id": id,
        "type": "ContextSourceRegistration",
        "registrationName": "渝北停车数据源",
        "information": [
            {"entities": [{"id": "urn:ngsi-ld:Vehicle:A456", "type": "Vehicle"}],
             "propertyNames": ["brandName", "speed"], "relationshipNames": ["isParked"]},
            {"entities": [{"idPattern": ".*downtown$", "type": "OffStreetParking"}],
             "propertyNames": ["availableSpotNumber", "totalSpotNumber"]}
        ],
        "endpoint": "http://parking.example:1026",
        "location": {"type": "Polygon", "coordinates": [[[106.60, 29.70], [106.70, 29.70], [106.70, 29.80], [106.60, 29.80], [106.60, 29.70]]]},
        "observationInterval": {"startAt": "2026-01-01T00:00:00Z", "endAt": "2026-06-30T00:00:00Z"},
        "operator": "xiantao",
        "mode": "inclusive"
    })
}

/// Air quality for any entity of its type, any attribute, no area.
fn air(id: &str) -> Value {
    json!({
        "id": id,
        "type": "ContextSourceRegistration",
        "information": [{"entities": [{"type": "AirQualityObserved"}]}],
        "endpoint": "http://air.example:1026",
        "observationInterval": {"startAt": "2026-07-01T00:00:00Z"},
        "operator": "konggang",
        "scope": "/Yubei/Konggang"
    })
}

async fn ids(ngsi: &Ngsi, query: &str) -> Vec<String> {
    let found = ngsi.get_json(&format!("{PATH}?{query}")).await;
    let mut ids: Vec<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn registration_crud_and_errors() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:ContextSourceRegistration:csr1";
    let r = ngsi.post(PATH, &vehicles(id)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.headers()["location"],
        format!("/ngsi-ld/v1{PATH}/{id}").as_str()
    );
    expect_error(
        ngsi.post(PATH, &vehicles(id)).await,
        StatusCode::CONFLICT,
        "AlreadyExists",
    )
    .await;

    // Without an id the broker names it.
    let mut unnamed = air("x");
    unnamed.as_object_mut().unwrap().remove("id");
    let r = ngsi.post(PATH, &unnamed).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("urn:ngsi-ld:ContextSourceRegistration:"));

    let got = ngsi.get_json(&format!("{PATH}/{id}")).await;
    assert_eq!(got["endpoint"], "http://parking.example:1026");
    assert_eq!(got["registrationName"], "渝北停车数据源");
    assert_eq!(
        got["information"][1]["entities"][0]["idPattern"],
        ".*downtown$"
    );
    assert!(got.get("createdAt").is_none());
    let with_times = ngsi
        .get_json(&format!("{PATH}/{id}?options=sysAttrs"))
        .await;
    let created = with_times["createdAt"].as_str().unwrap().to_owned();
    assert_eq!(with_times["modifiedAt"], created.as_str());

    // PATCH replaces the members sent; the result must still be a registration.
    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("{PATH}/{id}"),
            &json!({"endpoint": "http://parking-2.example:1026", "description": "second site"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let patched = ngsi
        .get_json(&format!("{PATH}/{id}?options=sysAttrs"))
        .await;
    assert_eq!(patched["endpoint"], "http://parking-2.example:1026");
    assert_eq!(patched["description"], "second site");
    assert_eq!(patched["createdAt"], created.as_str());
    assert!(patched["modifiedAt"].as_str().unwrap() > created.as_str());
    for bad in [
        json!({"mode": "sometimes"}),
        json!({"information": []}),
        json!({"id": "urn:ngsi-ld:ContextSourceRegistration:other"}),
        json!({}),
    ] {
        expect_error(
            ngsi.send_json(Method::PATCH, &format!("{PATH}/{id}"), &bad)
                .await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    assert_eq!(
        ngsi.get_json(&format!("{PATH}/{id}")).await["endpoint"],
        "http://parking-2.example:1026",
        "a refused update changes nothing"
    );
    expect_error(
        ngsi.send_json(
            Method::PATCH,
            &format!("{PATH}/urn:ngsi-ld:ContextSourceRegistration:none"),
            &json!({"description": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;

    for bad in [
        json!({"type": "ContextSourceRegistration", "endpoint": "http://x.example"}),
        json!({"type": "ContextSourceRegistration", "information": [{"propertyNames": ["a"]}]}),
        json!({"type": "Registration", "endpoint": "http://x.example", "information": [{"propertyNames": ["a"]}]}),
        json!({"id": "not a uri", "type": "ContextSourceRegistration", "endpoint": "http://x.example", "information": [{"propertyNames": ["a"]}]}),
        json!({"type": "ContextSourceRegistration", "endpoint": "http://x.example", "information": [{"entities": [{"id": "urn:x:1"}]}]}),
        json!({"type": "ContextSourceRegistration", "endpoint": "http://x.example", "information": [{"propertyNames": ["a"]}], "location": {"type": "Point", "coordinates": [200]}}),
        json!({"type": "ContextSourceRegistration", "endpoint": "http://x.example", "information": [{"propertyNames": ["a"]}], "expiresAt": "2000-01-01T00:00:00Z"}),
        json!([]),
    ] {
        expect_error(
            ngsi.post(PATH, &bad).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    expect_error(
        Ngsi::anonymous(&app)
            .post(PATH, &air("urn:ngsi-ld:ContextSourceRegistration:anon"))
            .await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    )
    .await;

    assert_eq!(
        ngsi.delete(&format!("{PATH}/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        ngsi.get(&format!("{PATH}/{id}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    expect_error(
        ngsi.delete(&format!("{PATH}/{id}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}

#[tokio::test]
async fn discovery_filters_by_entities_attributes_and_the_sources_own_members() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let (v, a) = (
        "urn:ngsi-ld:ContextSourceRegistration:vehicles",
        "urn:ngsi-ld:ContextSourceRegistration:air",
    );
    for body in [vehicles(v), air(a)] {
        assert_eq!(ngsi.post(PATH, &body).await.status(), StatusCode::CREATED);
    }
    let both = vec![a.to_owned(), v.to_owned()];
    let only = |id: &str| vec![id.to_owned()];

    assert_eq!(ids(&ngsi, "").await, both);
    // Entities: type, a registered id, a registered pattern.
    assert_eq!(ids(&ngsi, "type=Vehicle").await, only(v));
    assert_eq!(ids(&ngsi, "type=Vehicle,AirQualityObserved").await, both);
    assert_eq!(ids(&ngsi, "type=Building").await, Vec::<String>::new());
    // An id alone says nothing of the type: a source of every AirQualityObserved could hold it.
    assert_eq!(ids(&ngsi, "id=urn:ngsi-ld:Vehicle:A456").await, both);
    assert_eq!(
        ids(&ngsi, "type=Vehicle&id=urn:ngsi-ld:Vehicle:A456").await,
        only(v)
    );
    assert_eq!(
        ids(&ngsi, "type=Vehicle&id=urn:ngsi-ld:Vehicle:B1").await,
        Vec::<String>::new()
    );
    assert_eq!(
        ids(
            &ngsi,
            "type=OffStreetParking&id=urn:ngsi-ld:OffStreetParking:downtown"
        )
        .await,
        only(v)
    );
    assert_eq!(ids(&ngsi, "type=Vehicle&idPattern=.*A4.*").await, only(v));
    // Attributes: a registration naming none covers them all.
    assert_eq!(ids(&ngsi, "attrs=speed").await, both);
    assert_eq!(
        ids(&ngsi, "type=Vehicle&attrs=pm25").await,
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&ngsi, "type=OffStreetParking&q=totalSpotNumber>10").await,
        only(v)
    );
    assert_eq!(
        ids(&ngsi, "type=OffStreetParking&q=fee>10").await,
        Vec::<String>::new()
    );
    // The sources' own members: csf, scopeQ, geo, time.
    assert_eq!(ids(&ngsi, "csf=operator==%22konggang%22").await, only(a));
    assert_eq!(ids(&ngsi, "csf=mode==%22inclusive%22").await, only(v));
    assert_eq!(ids(&ngsi, "scopeQ=/Yubei/%23").await, only(a));
    assert_eq!(
        ids(
            &ngsi,
            "georel=intersects&geometry=Point&coordinates=[106.65,29.75]"
        )
        .await,
        only(v)
    );
    assert_eq!(
        ids(
            &ngsi,
            "georel=intersects&geometry=Point&coordinates=[106.5,29.5]"
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&ngsi, "timerel=after&timeAt=2026-08-01T00:00:00Z").await,
        only(a)
    );
    assert_eq!(
        ids(
            &ngsi,
            "timerel=between&timeAt=2026-03-01T00:00:00Z&endTimeAt=2026-04-01T00:00:00Z"
        )
        .await,
        only(v)
    );
    // `timeproperty` names an entity's time property: observedAt for the observation interval,
    // createdAt and modifiedAt for the management interval (which neither has).
    assert_eq!(
        ids(
            &ngsi,
            "timeproperty=observedAt&timerel=after&timeAt=2026-08-01T00:00:00Z"
        )
        .await,
        only(a)
    );
    for property in ["createdAt", "modifiedAt"] {
        let query = format!("timeproperty={property}&timerel=after&timeAt=2026-08-01T00:00:00Z");
        assert!(ids(&ngsi, &query).await.is_empty(), "{property}");
    }

    // Paging and the count.
    let r = ngsi.get(&format!("{PATH}?limit=1&count=true")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["ngsild-results-count"], "2");
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        1
    );

    // Another tenant sees none of them.
    let other = Ngsi {
        tenant: Some("kongganggang".into()),
        ..Ngsi::writer(&app).await
    };
    assert_eq!(ids(&other, "").await, Vec::<String>::new());

    for bad in [
        "csf=operator==",
        "timerel=after",
        "timerel=after&timeAt=2026-08-01T00:00:00Z&timeproperty=deletedAt",
        "georel=near;maxDistance==10",
        "idPattern=(",
        "id=not-a-uri",
        "options=keyValues",
        "limit=-1",
    ] {
        expect_error(
            ngsi.get(&format!("{PATH}?{bad}")).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
}

#[tokio::test]
async fn registrations_keep_their_context_and_survive_a_restart() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:ContextSourceRegistration:sdm";
    let mut body = air(id);
    body["@context"] = json!([
        {"AirQualityObserved": "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved"},
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
    ]);
    let r = ngsi
        .request(Method::POST, PATH)
        .header("content-type", "application/ld+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let by_iri = "type=https://smartdatamodels.org/dataModel.Environment/AirQualityObserved";
    assert_eq!(ids(&ngsi, by_iri).await, vec![id.to_owned()]);
    // Under the core context the term means another type.
    assert!(ids(&ngsi, "type=AirQualityObserved").await.is_empty());

    let (settings, _dir) = app.stop().await;
    let app = start(settings).await;
    let ngsi = Ngsi {
        base: app.url("/ngsi-ld/v1"),
        ..ngsi
    };
    assert_eq!(ids(&ngsi, by_iri).await, vec![id.to_owned()]);
    let got = ngsi.get_json(&format!("{PATH}/{id}")).await;
    assert_eq!(got["endpoint"], "http://air.example:1026");
}

const SUBSCRIPTIONS: &str = "/csourceSubscriptions";

/// Vehicle registrations that can provide `speed`, notified to `uri`.
fn speed_sources(uri: &str) -> Value {
    json!({
        "id": "urn:ngsi-ld:Subscription:speed-sources",
        "type": "Subscription",
        "entities": [{"type": "Vehicle"}],
        "watchedAttributes": ["speed"],
        "notification": {"endpoint": {"uri": uri, "accept": "application/json",
            "receiverInfo": [{"key": "X-Park", "value": "xiantao"}]}}
    })
}

async fn patch(ngsi: &Ngsi, path: &str, body: Value) {
    let r = ngsi.send_json(Method::PATCH, path, &body).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "PATCH {path}");
}

#[tokio::test]
async fn csource_subscriptions_tell_when_registrations_match_change_and_stop_matching() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    let sub = "urn:ngsi-ld:Subscription:speed-sources";
    let r = ngsi.post(SUBSCRIPTIONS, &speed_sources(&rx.url)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.headers()["location"],
        format!("/ngsi-ld/v1{SUBSCRIPTIONS}/{sub}").as_str()
    );

    // A source of air quality is none of its business.
    let a = "urn:ngsi-ld:ContextSourceRegistration:air";
    assert_eq!(ngsi.post(PATH, &air(a)).await.status(), StatusCode::CREATED);
    // A source of vehicles' speed appears, changes, and stops providing speed.
    let v = "urn:ngsi-ld:ContextSourceRegistration:vehicles";
    assert_eq!(
        ngsi.post(PATH, &vehicles(v)).await.status(),
        StatusCode::CREATED
    );
    let got = rx.wait_for(1).await;
    let (body, headers) = &got[0];
    assert_eq!(body["type"], "ContextSourceNotification");
    assert_eq!(body["subscriptionId"], sub);
    assert_eq!(body["triggerReason"], "newlyMatching");
    assert_eq!(body["data"][0]["id"], v);
    assert_eq!(body["data"][0]["endpoint"], "http://parking.example:1026");
    assert_eq!(headers["x-park"], "xiantao");

    patch(
        &ngsi,
        &format!("{PATH}/{v}"),
        json!({"description": "更新"}),
    )
    .await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[1].0["triggerReason"], "updated");
    assert_eq!(got[1].0["data"][0]["description"], "更新");

    patch(
        &ngsi,
        &format!("{PATH}/{v}"),
        json!({"information": [{"entities": [{"type": "Vehicle"}], "propertyNames": ["brandName"]}]}),
    )
    .await;
    let got = rx.wait_for(3).await;
    assert_eq!(got[2].0["triggerReason"], "noLongerMatching");
    // Shown as it was when it last matched.
    assert_eq!(
        got[2].0["data"][0]["information"][0]["propertyNames"][1],
        "speed"
    );

    // Deleting what no longer matches says nothing; deleting what matches does.
    assert_eq!(
        ngsi.delete(&format!("{PATH}/{v}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ngsi.post(PATH, &vehicles(v)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(rx.wait_for(4).await[3].0["triggerReason"], "newlyMatching");
    assert_eq!(
        ngsi.delete(&format!("{PATH}/{v}")).await.status(),
        StatusCode::NO_CONTENT
    );
    let got = rx.wait_for(5).await;
    assert_eq!(got[4].0["triggerReason"], "noLongerMatching");
    assert_eq!(got[4].0["data"][0]["id"], v);

    // The status counts what was sent; a paused subscription stays silent.
    let shown = ngsi.get_json(&format!("{SUBSCRIPTIONS}/{sub}")).await;
    assert_eq!(shown["notification"]["timesSent"], 5);
    assert_eq!(shown["status"], "active");
    patch(
        &ngsi,
        &format!("{SUBSCRIPTIONS}/{sub}"),
        json!({"isActive": false}),
    )
    .await;
    assert_eq!(
        ngsi.post(PATH, &vehicles(v)).await.status(),
        StatusCode::CREATED
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(rx.count(), 5, "a paused subscription is not notified");
    let shown = ngsi.get_json(&format!("{SUBSCRIPTIONS}/{sub}")).await;
    assert_eq!(shown["status"], "paused");
    assert_eq!(
        shown["notification"]["timesSent"], 5,
        "the status goes on across a PATCH"
    );
    assert_eq!(
        ngsi.get_json(SUBSCRIPTIONS).await.as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_new_csource_subscription_is_told_of_the_registrations_already_matching() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    let v = "urn:ngsi-ld:ContextSourceRegistration:vehicles";
    assert_eq!(
        ngsi.post(PATH, &vehicles(v)).await.status(),
        StatusCode::CREATED
    );
    let a = "urn:ngsi-ld:ContextSourceRegistration:air";
    assert_eq!(ngsi.post(PATH, &air(a)).await.status(), StatusCode::CREATED);
    assert_eq!(
        ngsi.post(SUBSCRIPTIONS, &speed_sources(&rx.url))
            .await
            .status(),
        StatusCode::CREATED
    );
    let got = rx.wait_for(1).await;
    let body = &got[0].0;
    assert_eq!(body["type"], "ContextSourceNotification");
    assert_eq!(body["triggerReason"], "newlyMatching");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{body}");
    assert_eq!(data[0]["id"], v);
    // Only the information item about vehicles' speed, not the one about parkings.
    let information = data[0]["information"].as_array().unwrap();
    assert_eq!(information.len(), 1, "{body}");
    assert_eq!(information[0]["entities"][0]["type"], "Vehicle");

    // Updated to select air quality sources: told of what matches now.
    patch(
        &ngsi,
        &format!("{SUBSCRIPTIONS}/urn:ngsi-ld:Subscription:speed-sources"),
        json!({"entities": [{"type": "AirQualityObserved"}], "watchedAttributes": null}),
    )
    .await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[1].0["triggerReason"], "newlyMatching");
    assert_eq!(got[1].0["data"][0]["id"], a);
}

#[tokio::test]
async fn csource_subscription_crud_errors_and_restart() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    let sub = "urn:ngsi-ld:Subscription:speed-sources";
    assert_eq!(
        ngsi.post(SUBSCRIPTIONS, &speed_sources(&rx.url))
            .await
            .status(),
        StatusCode::CREATED
    );
    expect_error(
        ngsi.post(SUBSCRIPTIONS, &speed_sources(&rx.url)).await,
        StatusCode::CONFLICT,
        "AlreadyExists",
    )
    .await;
    let with = |extra: Value| {
        let mut s = speed_sources(&rx.url);
        s["id"] = json!("urn:ngsi-ld:Subscription:other");
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    for bad in [
        with(json!({"notification": {}})),
        with(json!({"type": "ContextSourceRegistration"})),
        with(json!({"csf": "operator=="})),
        with(json!({"expiresAt": "2000-01-01T00:00:00Z"})),
        with(json!({"entities": [{"id": "urn:x:1"}]})),
        with(
            json!({"notification": {"endpoint": {"uri": rx.url, "accept": "application/geo+json"}}}),
        ),
    ] {
        expect_error(
            ngsi.post(SUBSCRIPTIONS, &bad).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    let mut periodic = with(json!({"timeInterval": 60}));
    periodic
        .as_object_mut()
        .unwrap()
        .remove("watchedAttributes");
    expect_error(
        ngsi.post(SUBSCRIPTIONS, &periodic).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "OperationNotSupported",
    )
    .await;
    expect_error(
        ngsi.send_json(
            Method::PATCH,
            &format!("{SUBSCRIPTIONS}/{sub}"),
            &json!({"csf": "operator=="}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    expect_error(
        ngsi.get(&format!("{SUBSCRIPTIONS}/urn:ngsi-ld:Subscription:none"))
            .await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;

    // One notification, then a restart: the subscription and its status are still there, and
    // it still notifies.
    let v = "urn:ngsi-ld:ContextSourceRegistration:vehicles";
    assert_eq!(
        ngsi.post(PATH, &vehicles(v)).await.status(),
        StatusCode::CREATED
    );
    rx.wait_for(1).await;
    let mut shown = Value::Null;
    for _ in 0..100 {
        shown = ngsi.get_json(&format!("{SUBSCRIPTIONS}/{sub}")).await;
        if shown["notification"]["timesSent"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(shown["notification"]["timesSent"], 1);
    // The status is stored right after the notification's outcome is known.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (settings, _dir) = app.stop().await;
    let app = start(settings).await;
    let ngsi = Ngsi {
        base: app.url("/ngsi-ld/v1"),
        ..ngsi
    };
    let after = ngsi.get_json(&format!("{SUBSCRIPTIONS}/{sub}")).await;
    assert_eq!(after["notification"]["timesSent"], 1);
    assert_eq!(
        ngsi.delete(&format!("{PATH}/{v}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        rx.wait_for(2).await[1].0["triggerReason"],
        "noLongerMatching"
    );

    assert_eq!(
        ngsi.delete(&format!("{SUBSCRIPTIONS}/{sub}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        ngsi.delete(&format!("{SUBSCRIPTIONS}/{sub}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}
