//! `scopeQ`: parsing, canonical text, matching (clause 4.19 examples), errors.

use serde_json::json;
use yuverse_twin_query::{
    parse_scope_q, ErrorKind, QueryParam, ScopeExpr, ScopeLevel, ScopePattern, ScopeQuery,
};

fn sq(text: &str) -> ScopeQuery {
    match parse_scope_q(text) {
        Ok(q) => q,
        Err(e) => panic!("{text:?} should parse: {e}"),
    }
}

fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[track_caller]
fn matches(q: &str, list: &[&str]) -> bool {
    sq(q).matches(&scopes(list))
}

#[test]
fn exact_scope() {
    assert!(matches("/Madrid", &["/Madrid"]));
    assert!(!matches("/Madrid", &["/Madrid/Gardens"]));
    assert!(!matches("/Madrid", &["/Barcelona"]));
    assert!(matches("/Madrid", &["/Barcelona", "/Madrid"]));
    assert!(matches("/Madrid", &["Madrid"]));
    assert!(!matches("/Madrid", &[]));
}

#[test]
fn subtree() {
    let q = "/Madrid/Gardens/#";
    for s in [
        "/Madrid/Gardens",
        "/Madrid/Gardens/ParqueNorte",
        "/Madrid/Gardens/ParqueNorte/Parterre1",
        "/Madrid/Gardens/ParqueSur",
    ] {
        assert!(matches(q, &[s]), "{s}");
    }
    assert!(!matches(q, &["/Madrid"]));
    assert!(!matches(q, &["/Madrid/GardensX"]));
    assert!(!matches(q, &["/Madrid/Sights/Gardens"]));
}

#[test]
fn single_level_wildcard() {
    let q = "/Madrid/+/ParqueNorte";
    assert!(matches(q, &["/Madrid/Gardens/ParqueNorte"]));
    assert!(matches(q, &["/Madrid/Sights/ParqueNorte"]));
    assert!(!matches(q, &["/Madrid/ParqueNorte"]));
    assert!(!matches(q, &["/Madrid/a/b/ParqueNorte"]));
    assert!(matches("/Madrid/+", &["/Madrid/Gardens"]));
    assert!(!matches("/Madrid/+", &["/Madrid"]));
    assert!(matches("/+/Gardens/#", &["/Madrid/Gardens/X/Y"]));
}

#[test]
fn any_scope() {
    assert!(matches("/#", &["/Anything"]));
    assert!(matches("/#", &["/a/b/c"]));
    assert!(!matches("/#", &[]));
    assert!(!matches("/#", &["urn:ngsi-ld:null"]));
}

#[test]
fn and_or() {
    // Example 4: both scopes.
    let q = "(/Madrid/Districts;/CompanyA)";
    assert!(matches(q, &["/Madrid/Districts", "/CompanyA"]));
    assert!(!matches(q, &["/Madrid/Districts"]));
    // Example 5, with the alternative ',' for OR and without the leading '/'.
    for q in [
        "(/Madrid/Districts;/CompanyA)|/CompanyB",
        "(/Madrid/Districts;/CompanyA),CompanyB",
        "(/Madrid/Districts;/CompanyA)|CompanyB",
    ] {
        assert!(matches(q, &["/CompanyB"]), "{q}");
        assert!(matches(q, &["/CompanyA", "/Madrid/Districts"]), "{q}");
        assert!(!matches(q, &["/CompanyA"]), "{q}");
    }
    // Without parentheses ';' still binds tighter than '|'.
    assert!(matches("/a;/b|/c", &["/c"]));
    assert!(!matches("/a;/b|/c", &["/a"]));
    assert!(matches("(/a|/b);/c", &["/b", "/c"]));
}

#[test]
fn canonical_text() {
    for (text, canonical) in [
        ("/Madrid", "/Madrid"),
        ("Madrid/Gardens", "/Madrid/Gardens"),
        ("/Madrid/Gardens/#", "/Madrid/Gardens/#"),
        ("/#", "/#"),
        ("/Madrid/+/ParqueNorte", "/Madrid/+/ParqueNorte"),
        ("(/a;/b),/c", "(/a;/b)|/c"),
        ("/a;/b", "(/a;/b)"),
        ("(/a|/b);/c", "((/a|/b);/c)"),
        (" ( /a ; /b ) | /c ", "(/a;/b)|/c"),
        ("((/a))", "/a"),
        ("/2024/Q1", "/2024/Q1"),
        ("/Parc_Güell/#", "/Parc_Güell/#"),
    ] {
        let q = sq(text);
        assert_eq!(q.to_string(), canonical, "{text}");
        assert_eq!(sq(canonical), q, "{text}");
    }
    assert_eq!(
        sq("/a/+/#").expr(),
        &ScopeExpr::Pattern(ScopePattern {
            levels: vec![ScopeLevel::Name("a".into()), ScopeLevel::Any],
            descendants: true
        })
    );
}

#[test]
fn matches_entity_reads_scope_member() {
    let q = sq("/Madrid/#");
    assert!(q.matches_entity(&json!({"id": "x", "scope": "/Madrid/Gardens"})));
    assert!(q.matches_entity(&json!({"id": "x", "scope": ["/Rome", "/Madrid"]})));
    assert!(!q.matches_entity(&json!({"id": "x"})));
    assert!(!q.matches_entity(&json!({"id": "x", "scope": 5})));
}

#[track_caller]
fn scope_err(text: &str, position: usize, needle: &str) {
    let e = match parse_scope_q(text) {
        Ok(q) => panic!("{text:?} should not parse, got {q}"),
        Err(e) => e,
    };
    assert_eq!(e.param, QueryParam::ScopeQ);
    assert!(e.message.contains(needle), "{text:?}: {:?}", e.message);
    assert_eq!(e.position, position, "{text:?}: {e}");
    assert!(e.to_string().starts_with("scopeQ: "), "{e}");
}

#[test]
fn errors() {
    scope_err("", 0, "empty");
    scope_err("/", 1, "expected a scope level name or '+'");
    scope_err("/a/", 3, "expected a scope level name or '+'");
    scope_err("/a//b", 3, "expected a scope level name");
    scope_err("/a#", 2, "expected ';', '|', ',' or the end");
    scope_err("/a/#/b", 4, "must be the end");
    scope_err("/a/#x", 4, "must be the end");
    scope_err("(/a;/b", 6, "expected ')'");
    scope_err("/a)", 2, "unbalanced ')'");
    scope_err(
        "/a|",
        3,
        "expected a scope such as /Madrid/Gardens after '|'",
    );
    scope_err("/a;", 3, "after ';'");
    scope_err("/a b", 3, "expected ';', '|', ',' or the end");
    scope_err("/a/+b", 4, "expected ';'");
    scope_err("#", 0, "expected a scope");
    let e = parse_scope_q(&"(".repeat(40)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooDeep);
    let e = parse_scope_q(&"/a".repeat(3000)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLong);
}
