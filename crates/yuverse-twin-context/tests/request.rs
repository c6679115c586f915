use serde_json::{json, Value};
use yuverse_twin_context::request::{media_type, parse_link_header, JSON_LD_CONTEXT_REL};
use yuverse_twin_context::{
    context_source, link_context_url, link_header_for, ContextSource, RequestContextError,
};

const URL: &str = "https://example.org/ctx.jsonld";

/// (Content-Type, Link, body, expected outcome)
type Case<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a Value>,
    Result<ContextSource, RequestContextError>,
);

fn ctx_link(url: &str) -> String {
    format!("<{url}>; rel=\"{JSON_LD_CONTEXT_REL}\"; type=\"application/ld+json\"")
}

#[test]
fn the_rules_table() {
    let link = ctx_link(URL);
    let next = "<https://broker/ngsi-ld/v1/entities?offset=20>; rel=\"next\"";
    let plain = json!({"id": "urn:x:1", "type": "T"});
    let with_ctx = json!({"id": "urn:x:1", "type": "T", "@context": URL});
    let arr_ok = json!([{"id": "urn:x:1", "@context": URL}, {"id": "urn:x:2", "@context": [URL]}]);
    let arr_missing = json!([{"id": "urn:x:1", "@context": URL}, {"id": "urn:x:2"}]);
    let arr_plain = json!([{"id": "urn:x:1"}, "urn:x:2"]);
    let text = json!("text");
    let empty = json!([]);
    use ContextSource as S;
    use RequestContextError as E;
    let cases: Vec<Case> = vec![
        // No Content-Type (GET, DELETE): JSON rules.
        (None, None, None, Ok(S::Core)),
        (None, Some(&link), None, Ok(S::Link(URL.into()))),
        (None, Some(next), None, Ok(S::Core)),
        // application/json
        (Some("application/json"), None, Some(&plain), Ok(S::Core)),
        (
            Some("application/json"),
            Some(&link),
            Some(&plain),
            Ok(S::Link(URL.into())),
        ),
        (
            Some("application/json; charset=utf-8"),
            Some(&link),
            Some(&plain),
            Ok(S::Link(URL.into())),
        ),
        (Some("Application/JSON"), None, Some(&plain), Ok(S::Core)),
        (
            Some("application/json"),
            Some(next),
            Some(&plain),
            Ok(S::Core),
        ),
        (
            Some("application/json"),
            None,
            Some(&arr_plain),
            Ok(S::Core),
        ),
        (
            Some("application/json"),
            None,
            Some(&with_ctx),
            Err(E::ContextInJsonBody),
        ),
        (
            Some("application/json"),
            Some(&link),
            Some(&with_ctx),
            Err(E::ContextInJsonBody),
        ),
        (
            Some("application/json"),
            Some(&link),
            Some(&arr_missing),
            Err(E::ContextInJsonBody),
        ),
        (
            Some("application/json"),
            Some("garbage"),
            Some(&plain),
            Err(E::InvalidLink("expected '<' at the start of a link".into())),
        ),
        // application/merge-patch+json follows the JSON rules.
        (
            Some("application/merge-patch+json"),
            Some(&link),
            Some(&plain),
            Ok(S::Link(URL.into())),
        ),
        (
            Some("application/merge-patch+json"),
            None,
            Some(&with_ctx),
            Err(E::ContextInJsonBody),
        ),
        // application/ld+json
        (
            Some("application/ld+json"),
            None,
            Some(&with_ctx),
            Ok(S::Body(json!(URL))),
        ),
        (
            Some("application/ld+json;charset=UTF-8"),
            None,
            Some(&with_ctx),
            Ok(S::Body(json!(URL))),
        ),
        (
            Some("application/ld+json"),
            Some(next),
            Some(&with_ctx),
            Ok(S::Body(json!(URL))),
        ),
        (
            Some("application/ld+json"),
            Some(&link),
            Some(&with_ctx),
            Err(E::LinkWithJsonLd),
        ),
        (
            Some("application/ld+json"),
            None,
            Some(&plain),
            Err(E::MissingContext),
        ),
        (
            Some("application/ld+json"),
            None,
            None,
            Err(E::MissingContext),
        ),
        (
            Some("application/ld+json"),
            None,
            Some(&text),
            Err(E::MissingContext),
        ),
        (
            Some("application/ld+json"),
            None,
            Some(&arr_ok),
            Ok(S::PerEntity(vec![json!(URL), json!([URL])])),
        ),
        (
            Some("application/ld+json"),
            None,
            Some(&arr_missing),
            Err(E::MissingContext),
        ),
        (
            Some("application/ld+json"),
            None,
            Some(&empty),
            Ok(S::PerEntity(vec![])),
        ),
        // Anything else: 415.
        (
            Some("text/plain"),
            None,
            Some(&plain),
            Err(E::UnsupportedMediaType("text/plain".into())),
        ),
        (
            Some("application/xml"),
            Some(&link),
            None,
            Err(E::UnsupportedMediaType("application/xml".into())),
        ),
        (
            Some("application/geo+json"),
            None,
            None,
            Err(E::UnsupportedMediaType("application/geo+json".into())),
        ),
        (
            Some(""),
            None,
            None,
            Err(E::UnsupportedMediaType("".into())),
        ),
    ];
    for (ct, link, body, expected) in cases {
        assert_eq!(
            context_source(ct, link, body),
            expected,
            "content-type {ct:?}, link {link:?}, body {body:?}"
        );
    }
}

#[test]
fn error_statuses() {
    assert_eq!(
        RequestContextError::UnsupportedMediaType("x".into()).http_status(),
        415
    );
    for e in [
        RequestContextError::ContextInJsonBody,
        RequestContextError::MissingContext,
        RequestContextError::LinkWithJsonLd,
        RequestContextError::InvalidLink("x".into()),
        RequestContextError::MultipleContextLinks,
    ] {
        assert_eq!(e.http_status(), 400);
    }
}

#[test]
fn link_header_round_trip() {
    let h = link_header_for(URL);
    assert_eq!(
        h,
        "<https://example.org/ctx.jsonld>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""
    );
    assert_eq!(link_context_url(&h).unwrap().as_deref(), Some(URL));
}

#[test]
fn link_parsing_accepts() {
    let ok = |h: &str, want: Option<&str>| {
        assert_eq!(link_context_url(h).unwrap().as_deref(), want, "{h}");
    };
    let rel = JSON_LD_CONTEXT_REL;
    ok("", None);
    ok("   ", None);
    ok(" , ,, ", None);
    ok("<https://broker/x>; rel=\"next\"", None);
    ok(
        "<https://broker/x>; rel=next, <https://broker/y>; rel=prev",
        None,
    );
    ok(&ctx_link(URL), Some(URL));
    // Whitespace everywhere.
    ok(
        &format!("  <  {URL}  >  ;  rel = \"{rel}\"  ;  type = \"application/ld+json\"  "),
        Some(URL),
    );
    // Parameters in another order, names in upper case, unquoted values.
    ok(
        &format!("<{URL}>; TYPE=application/ld+json; REL={rel}"),
        Some(URL),
    );
    // rel with several relation types, compared case-insensitively.
    ok(
        &format!("<{URL}>; rel=\"alternate HTTP://WWW.W3.ORG/NS/JSON-LD#CONTEXT\""),
        Some(URL),
    );
    // No type parameter.
    ok(&format!("<{URL}>; rel=\"{rel}\""), Some(URL));
    // type with a parameter inside the quotes.
    ok(
        &format!("<{URL}>; rel=\"{rel}\"; type=\"application/ld+json; profile=x\""),
        Some(URL),
    );
    // Several links, the context one in the middle; commas and semicolons inside quotes.
    ok(
        &format!("<https://broker/x?a=1,2>; rel=\"next\"; title=\"a, b; c\", {}, <https://broker/z>; rel=\"prev\"", ctx_link(URL)),
        Some(URL),
    );
    // Escaped quote in a quoted string; a trailing semicolon; an empty parameter.
    ok(
        &format!("<https://b/x>; title=\"say \\\"hi\\\"\"; rel=next, <{URL}>;; rel=\"{rel}\";"),
        Some(URL),
    );
    // A parameter without a value.
    ok(&format!("<{URL}>; crossorigin; rel=\"{rel}\""), Some(URL));
    // Only the first rel counts (RFC 8288).
    ok(&format!("<{URL}>; rel=\"next\"; rel=\"{rel}\""), None);
    // A URL with a fragment, query and a comma.
    ok(
        &format!("<https://example.org/a,b.jsonld?x=1#y>; rel=\"{rel}\""),
        Some("https://example.org/a,b.jsonld?x=1#y"),
    );
}

#[test]
fn link_parsing_rejects() {
    let rel = JSON_LD_CONTEXT_REL;
    let bad = |h: &str| {
        let err = link_context_url(h).unwrap_err();
        assert!(
            matches!(
                err,
                RequestContextError::InvalidLink(_) | RequestContextError::MultipleContextLinks
            ),
            "{h}: {err:?}"
        );
        err
    };
    bad("https://example.org/ctx.jsonld");
    bad(&format!("{URL}; rel=\"{rel}\""));
    bad(&format!("<{URL}; rel=\"{rel}\""));
    bad(&format!("<{URL}>; rel=\"{rel}"));
    bad(&format!("<{URL}> rel=\"{rel}\""));
    bad(&format!("<{URL}>; =x; rel=\"{rel}\""));
    bad(&format!(
        "<{URL}>; rel=\"{rel}\"; type=\"application/json\""
    ));
    bad(&format!("<>; rel=\"{rel}\""));
    bad(&format!("<relative/ctx.jsonld>; rel=\"{rel}\""));
    bad(&format!("<https://exa mple.org/x>; rel=\"{rel}\""));
    assert_eq!(
        bad(&format!(
            "{}, {}",
            ctx_link(URL),
            ctx_link("https://example.org/other.jsonld")
        )),
        RequestContextError::MultipleContextLinks
    );
}

#[test]
fn raw_link_parser() {
    let links = parse_link_header("<a>; rel=next; Title=\"x;y\", <b>").unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].target, "a");
    assert_eq!(links[0].param("rel"), Some("next"));
    assert_eq!(links[0].param("title"), Some("x;y"));
    assert_eq!(links[1].target, "b");
    assert!(links[1].params.is_empty());
    assert_eq!(
        media_type(" Application/LD+JSON ; charset=utf-8"),
        "application/ld+json"
    );
}
