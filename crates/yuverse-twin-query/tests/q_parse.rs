//! Parsing `q`: every operator and literal kind, paths, precedence, canonical text, errors.

use yuverse_twin_query::{
    parse_q, parse_q_with, AttrPath, CompareOp, ErrorKind, Expr, Limits, Literal, MemberPath,
    Operand, ParseError, PathKind, QueryParam, Term,
};

fn q(text: &str) -> Expr {
    match parse_q(text) {
        Ok(query) => query.expr().clone(),
        Err(e) => panic!("{text:?} should parse: {e}"),
    }
}

fn err(text: &str) -> ParseError {
    match parse_q(text) {
        Ok(query) => panic!("{text:?} should not parse, got {query}"),
        Err(e) => e,
    }
}

/// The canonical text of a query.
fn canon(text: &str) -> String {
    parse_q(text).expect("parses").to_string()
}

fn term(text: &str) -> Term {
    match q(text) {
        Expr::Term(t) => t,
        other => panic!("{text:?} is not a single term: {other:?}"),
    }
}

fn single(text: &str) -> (CompareOp, Literal) {
    match term(text) {
        Term::Compare {
            op,
            operand: Operand::Single(l),
            ..
        } => (op, l),
        other => panic!("{text:?} is not a single-value comparison: {other:?}"),
    }
}

fn num(n: i64) -> Literal {
    Literal::Number(n.into())
}

fn exists(name: &str) -> Expr {
    Expr::Term(Term::Exists(AttrPath::simple(name)))
}

// ---- operators -------------------------------------------------------------------------

#[test]
fn every_comparison_operator() {
    for (text, op) in [
        ("speed==5", CompareOp::Eq),
        ("speed!=5", CompareOp::Ne),
        ("speed>5", CompareOp::Gt),
        ("speed>=5", CompareOp::Ge),
        ("speed<5", CompareOp::Lt),
        ("speed<=5", CompareOp::Le),
    ] {
        assert_eq!(single(text), (op, num(5)), "{text}");
        assert_eq!(canon(text), text);
    }
}

#[test]
fn pattern_operators() {
    match term(r#"name~="^m""#) {
        Term::Pattern {
            negated, pattern, ..
        } => {
            assert!(!negated);
            assert_eq!(pattern.as_str(), "^m");
        }
        other => panic!("{other:?}"),
    }
    match term(r#"name!~="^m""#) {
        Term::Pattern { negated, .. } => assert!(negated),
        other => panic!("{other:?}"),
    }
    // Unquoted patterns run to the next top-level ';' / '|' / unmatched ')'.
    assert_eq!(canon("name~=^m.*;x"), r#"name~="^m.*";x"#);
    assert_eq!(canon("name~=(a|b)c|x"), r#"name~="(a|b)c"|x"#);
    assert_eq!(canon("(name~=[;|]x)"), r#"name~="[;|]x""#);
    assert_eq!(canon(r"name~=a\;b"), r#"name~="a\\;b""#);
    assert_eq!(canon(r#"name~="(?i)^M""#), r#"name~="(?i)^M""#);
}

#[test]
fn existence_and_non_existence() {
    assert_eq!(q("temperature"), exists("temperature"));
    assert_eq!(
        q("!heading"),
        Expr::Term(Term::NotExists(AttrPath::simple("heading")))
    );
    assert_eq!(canon("!heading;speed"), "!heading;speed");
    assert_eq!(canon("!a.observedAt"), "!a.observedAt");
}

// ---- literals --------------------------------------------------------------------------

#[test]
fn number_literals() {
    assert_eq!(single("a==0").1, num(0));
    assert_eq!(single("a==-12").1, num(-12));
    assert_eq!(
        single("a==2.5").1,
        Literal::Number(serde_json::Number::from_f64(2.5).unwrap())
    );
    assert_eq!(
        single("a==1e3").1,
        Literal::Number(serde_json::Number::from_f64(1000.0).unwrap())
    );
    assert_eq!(
        single("a==-1.5E-2").1,
        Literal::Number(serde_json::Number::from_f64(-0.015).unwrap())
    );
    assert_eq!(
        single("a==18446744073709551615").1,
        Literal::Number(u64::MAX.into())
    );
}

#[test]
fn string_literals() {
    assert_eq!(
        single(r#"brandName!="Mercedes""#).1,
        Literal::String("Mercedes".into())
    );
    assert_eq!(
        single(r#"a=="say \"hi\"""#).1,
        Literal::String("say \"hi\"".into())
    );
    assert_eq!(
        single(r#"a=="x;y|z(),..""#).1,
        Literal::String("x;y|z(),..".into())
    );
    assert_eq!(single(r#"a=="\u00e9\n""#).1, Literal::String("é\n".into()));
    assert_eq!(single("a==\"\"").1, Literal::String(String::new()));
    assert_eq!(single(r#"a=="日本""#).1, Literal::String("日本".into()));
    assert_eq!(canon(r#"a=="say \"hi\"""#), r#"a=="say \"hi\"""#);
}

#[test]
fn boolean_literals() {
    assert_eq!(single("a==true").1, Literal::Bool(true));
    assert_eq!(single("a!=false").1, Literal::Bool(false));
    // A longer word is a term, not a boolean.
    assert_eq!(single("a==trueish").1, Literal::Uri("trueish".into()));
}

#[test]
fn temporal_literals() {
    match single("temperature.observedAt>=2017-12-24T12:00:00Z").1 {
        Literal::DateTime(t) => assert_eq!(t.text, "2017-12-24T12:00:00Z"),
        other => panic!("{other:?}"),
    }
    match single("a<2017-12-24T12:00:00.123+01:00").1 {
        Literal::DateTime(t) => assert_eq!(t.text, "2017-12-24T12:00:00.123+01:00"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(single("a==2017-12-24").1, Literal::Date(_)));
    assert!(matches!(single("a>12:00:00Z").1, Literal::Time(_)));
    assert!(matches!(single("a>12:00").1, Literal::Time(_)));
    assert_eq!(
        canon("modifiedAt>2020-01-01T00:00:00Z"),
        "modifiedAt>2020-01-01T00:00:00Z"
    );
}

#[test]
fn uri_and_term_literals() {
    assert_eq!(
        single("isParked==urn:ngsi-ld:OffStreetParking:Downtown1").1,
        Literal::Uri("urn:ngsi-ld:OffStreetParking:Downtown1".into())
    );
    assert_eq!(
        single("a==https://example.org/x?y=1#f").1,
        Literal::Uri("https://example.org/x?y=1#f".into())
    );
    assert_eq!(single("gender==Male").1, Literal::Uri("Male".into()));
    // Quoted URIs are strings (example 3 of clause 4.9); both match a Relationship object.
    assert_eq!(
        single(r#"isParked=="urn:ngsi-ld:OffStreetParking:Downtown1""#).1,
        Literal::String("urn:ngsi-ld:OffStreetParking:Downtown1".into())
    );
    // A URI ends at the logical operators and parentheses.
    assert_eq!(canon("(a==urn:x:1;b==urn:y)|c"), "a==urn:x:1;b==urn:y|c");
}

#[test]
fn value_lists() {
    match term(r#"route=="550","551""#) {
        Term::Compare {
            op: CompareOp::Eq,
            operand: Operand::List(items),
            ..
        } => assert_eq!(
            items,
            vec![Literal::String("550".into()), Literal::String("551".into())]
        ),
        other => panic!("{other:?}"),
    }
    match term(r#"color!="black", "red",3,true,urn:x"#) {
        Term::Compare {
            op: CompareOp::Ne,
            operand: Operand::List(items),
            ..
        } => assert_eq!(items.len(), 5),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        canon(r#"color!="black", "red",3,true,urn:x"#),
        r#"color!="black","red",3,true,urn:x"#
    );
}

#[test]
fn ranges() {
    match term("speed==10..40") {
        Term::Compare {
            operand: Operand::Range(lo, hi),
            ..
        } => {
            assert_eq!(lo, num(10));
            assert_eq!(hi, num(40));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(canon("t!=1.5..2.5"), "t!=1.5..2.5");
    assert_eq!(canon("t==-5..-1"), "t==-5..-1");
    assert_eq!(canon(r#"n=="a".."m""#), r#"n=="a".."m""#);
    assert_eq!(
        canon("d==2020-01-01..2020-12-31"),
        "d==2020-01-01..2020-12-31"
    );
    assert_eq!(
        canon("d==2020-01-01T00:00:00Z..2020-12-31T00:00:00Z"),
        "d==2020-01-01T00:00:00Z..2020-12-31T00:00:00Z"
    );
    assert_eq!(canon("t==10:00..12:00"), "t==10:00..12:00");
    assert_eq!(canon("t==5..5"), "t==5..5");
}

// ---- paths -----------------------------------------------------------------------------

fn path(text: &str) -> AttrPath {
    term(text).path().clone()
}

#[test]
fn sub_attribute_paths() {
    let p = path("temperature.observedAt>=2017-12-24T12:00:00Z");
    assert_eq!(p.name, "temperature");
    assert_eq!(
        p.kind,
        PathKind::Value {
            sub_attrs: vec!["observedAt".into()],
            member: None
        }
    );
    assert_eq!(canon("a.b.c==1"), "a.b.c==1");
}

#[test]
fn compound_value_paths() {
    let p = path(r#"sensor.rawdata[airquality.particulate]==40"#);
    assert_eq!(
        p.kind,
        PathKind::Value {
            sub_attrs: vec!["rawdata".into()],
            member: Some(MemberPath::Members(vec![
                "airquality".into(),
                "particulate".into()
            ]))
        }
    );
    // The older a[b][c] form is the same path; the canonical text is V1.9.1's.
    assert_eq!(
        path("address[street][name]==1"),
        path("address[street.name]==1")
    );
    assert_eq!(canon("address[street][name]==1"), "address[street.name]==1");
    assert_eq!(
        canon(r#"address[city]=="Berlin""#),
        r#"address[city]=="Berlin""#
    );
    assert_eq!(canon("a[list.0]==1"), "a[list.0]==1");
}

#[test]
fn language_paths() {
    assert_eq!(
        path(r#"color[en]=="red""#).kind,
        PathKind::Value {
            sub_attrs: vec![],
            member: Some(MemberPath::Members(vec!["en".into()]))
        }
    );
    assert_eq!(
        path(r#"color[*]=="red""#).kind,
        PathKind::Value {
            sub_attrs: vec![],
            member: Some(MemberPath::AnyLanguage)
        }
    );
    assert_eq!(canon(r#"color[en-GB]=="red""#), r#"color[en-GB]=="red""#);
    assert_eq!(canon(r#"color[*]!="red""#), r#"color[*]!="red""#);
}

#[test]
fn linked_entity_paths() {
    let p = path("sensor{humidity}==40");
    assert_eq!(p.name, "sensor");
    match &p.kind {
        PathKind::Linked {
            entity_types,
            target,
        } => {
            assert!(entity_types.is_empty());
            assert_eq!(**target, AttrPath::simple("humidity"));
        }
        other => panic!("{other:?}"),
    }
    match path("sensor{Device,Sensor:humidity}==40").kind {
        PathKind::Linked { entity_types, .. } => {
            assert_eq!(entity_types, vec!["Device".to_owned(), "Sensor".to_owned()])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        canon("sensor{Device:humidity}==40"),
        "sensor{Device:humidity}==40"
    );
    assert_eq!(canon("a{T:b{c.d[e]}}~=\"x\""), "a{T:b{c.d[e]}}~=\"x\"");
    assert!(parse_q("sensor{humidity}").unwrap().has_linked_paths());
    assert!(!parse_q("sensor.humidity").unwrap().has_linked_paths());
}

#[test]
fn unicode_names() {
    assert_eq!(q("température>5"), q("température>5"));
    assert_eq!(canon("température_2>5"), "température_2>5");
    assert_eq!(path("街道==1").name, "街道");
}

// ---- logic -----------------------------------------------------------------------------

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        q("a|b;c"),
        Expr::Or(vec![exists("a"), Expr::And(vec![exists("b"), exists("c")])])
    );
    assert_eq!(
        q("a;b|c"),
        Expr::Or(vec![Expr::And(vec![exists("a"), exists("b")]), exists("c")])
    );
    assert_eq!(
        q("(a|b);c"),
        Expr::And(vec![Expr::Or(vec![exists("a"), exists("b")]), exists("c")])
    );
    assert_eq!(canon("(a|b);c"), "(a|b);c");
    assert_eq!(canon("a|(b;c)"), "a|b;c");
}

#[test]
fn groups_flatten_and_nest() {
    assert_eq!(q("((a))"), exists("a"));
    assert_eq!(
        q("(a;b);c"),
        Expr::And(vec![exists("a"), exists("b"), exists("c")])
    );
    assert_eq!(
        q("a|(b|c)"),
        Expr::Or(vec![exists("a"), exists("b"), exists("c")])
    );
    // Example 6 and 7 of clause 4.9.
    assert_eq!(
        canon(r#"((speed>50|rpm>3000);brandName=="Mercedes")"#),
        r#"(speed>50|rpm>3000);brandName=="Mercedes""#
    );
    assert_eq!(
        canon("(temperature>=20;temperature<=25)|capacity<=10"),
        "temperature>=20;temperature<=25|capacity<=10"
    );
    assert_eq!(canon("((a|b);(c|d))|e"), "(a|b);(c|d)|e");
}

#[test]
fn whitespace_between_tokens_is_ignored() {
    assert_eq!(canon(" a == 5 ; ( b | c ) "), "a==5;(b|c)");
    assert_eq!(canon("a==\"x\" , \"y\""), r#"a=="x","y""#);
    assert_eq!(canon("a == 1 .. 3"), "a==1..3");
}

#[test]
fn from_str_works() {
    let parsed: yuverse_twin_query::Query = "a==1".parse().unwrap();
    assert_eq!(parsed.to_string(), "a==1");
}

// ---- errors ----------------------------------------------------------------------------

fn assert_err(text: &str, position: usize, needle: &str) {
    let e = err(text);
    assert_eq!(e.kind, ErrorKind::Syntax, "{text:?}: {e}");
    assert_eq!(e.param, QueryParam::Q);
    assert!(
        e.message.contains(needle),
        "{text:?}: message {:?} should contain {needle:?}",
        e.message
    );
    assert_eq!(e.position, position, "{text:?}: {e}");
}

#[test]
fn error_display_is_actionable() {
    let e = err("speed==");
    assert_eq!(
        e.to_string(),
        "q: expected a value after '==', found the end of the input at position 7"
    );
}

#[test]
fn empty_queries() {
    assert_err("", 0, "empty");
    assert_err("   ", 3, "empty");
}

#[test]
fn dangling_operators() {
    assert_err("a==", 3, "expected a value after '=='");
    assert_err("a>", 2, "expected a value after '>'");
    assert_err("a==;b", 3, "expected a value after '=='");
    assert_err("a;", 2, "expected an attribute name or '(' after ';'");
    assert_err("a|", 2, "after '|'");
    assert_err(";a", 0, "expected an attribute name or '('");
    assert_err("a;;b", 2, "after ';'");
    assert_err("a==1,", 5, "expected a value after ','");
    assert_err("a~=", 3, "expected a regular expression after '~='");
    assert_err("a!~=;", 4, "expected a regular expression");
    assert_err("!", 1, "expected an attribute name after '!'");
}

#[test]
fn unbalanced_parentheses() {
    assert_err("(a", 2, "expected ')' to close the '(' at position 0");
    assert_err("((a)", 4, "expected ')' to close the '(' at position 0");
    assert_err("a)", 1, "unbalanced ')'");
    assert_err("(a))", 3, "unbalanced ')'");
    assert_err("()", 1, "expected an attribute name or '(' after '('");
    assert_err(")", 0, "expected an attribute name");
}

#[test]
fn bad_ranges() {
    assert_err("a==1..", 6, "expected a value after '..'");
    assert_err(r#"a==1.."z""#, 6, "same kind");
    assert_err("a==5..1", 3, "greater than its maximum");
    assert_err("a==true..false", 3, "a range needs numbers");
    assert_err("x==1..2..3", 7, "cannot be combined");
    assert_err("a==urn:a..urn:b", 3, "not a URI");
    assert_err("a>1..2", 3, "only be used with '==' or '!='");
    assert_err("a==1..2,3", 7, "cannot be combined");
    assert_err("a==1,2..3", 6, "cannot be part of a value list");
    assert_err("a==2020-01-02..2020-01-01", 3, "greater than its maximum");
}

#[test]
fn operators_need_fitting_values() {
    assert_err("a<1,2", 3, "only be used with '==' or '!='");
    assert_err(
        "a>true",
        2,
        "'>' needs a number, string, date or time, not a boolean",
    );
    assert_err("a<=urn:x", 3, "not a URI");
    assert_err("a=5", 1, "use '=='");
    assert_err("a~5", 1, "use '~='");
    assert_err("a!5", 1, "use '!=' or '!~='");
    assert_err("a=='x'", 3, "double quotes");
    assert_err("a==#", 3, "expected a value after '=='");
}

#[test]
fn invalid_regex() {
    assert_err(r#"a~="(""#, 3, "invalid regular expression");
    assert_err("a~=[x", 3, "invalid regular expression");
    assert_err("a!~=*", 4, "invalid regular expression");
}

#[test]
fn unterminated_and_invalid_strings() {
    assert_err(r#"a=="abc"#, 3, "unterminated string");
    assert_err(r#"a=="abc\""#, 3, "unterminated string");
    assert_err(r#"a=="\x""#, 3, "invalid string");
    assert_err("a==\"tab\there\"", 3, "invalid string");
    assert_err(r#"a~="abc"#, 3, "unterminated string");
}

#[test]
fn invalid_numbers_and_dates() {
    assert_err("a==01", 3, "invalid number");
    assert_err("a==1.", 3, "invalid number");
    assert_err("a==1x", 3, "invalid number");
    assert_err("a==-", 3, "invalid number");
    assert_err("a==1e", 3, "invalid number");
    assert_err("a==1e999", 3, "out of range");
    assert_err("a==2021-02-30", 3, "invalid date '2021-02-30'");
    assert_err("a==2021-01-01T25:00:00Z", 3, "invalid date-time");
    assert_err("a==25:00", 3, "invalid time");
}

#[test]
fn bad_paths() {
    assert_err("a.==1", 2, "expected a sub-attribute name after '.'");
    assert_err("a[==1", 2, "expected a member name or '*'");
    assert_err("a[]==1", 2, "expected a member name");
    assert_err("a[b==1", 3, "expected ']' to close the '[' at position 1");
    assert_err("a[*][b]==1", 4, "must be the only");
    assert_err("a[b][*]==1", 4, "must be the only");
    assert_err(
        "a{b==1",
        3,
        "expected '}' to close the linked-entity path opened at position 1",
    );
    assert_err("a{}==1", 2, "expected an attribute name inside '{...}'");
    assert_err("1a==1", 0, "expected an attribute name or '('");
    assert_err(
        "a b",
        2,
        "expected ';', '|', ')' or the end of the query after the attribute path",
    );
    assert_err("a==1 2", 5, "after the value");
    assert_err("_a", 0, "expected an attribute name");
}

#[test]
fn negation_only_applies_to_paths() {
    assert_err("!a==5", 2, "cannot take an operator");
    assert_err("!(a)", 0, "'!' can only be put before an attribute path");
    assert_err("!!a", 1, "expected an attribute name after '!'");
}

#[test]
fn positions_count_characters() {
    // "é" is two bytes but one character.
    let e = err("é==");
    assert_eq!(e.position, 3);
}

#[test]
fn length_guard() {
    let long = format!("a=={}", "1".repeat(5000));
    let e = err(&long);
    assert_eq!(e.kind, ErrorKind::TooLong);
    assert!(e.is_too_complex());
    assert!(e.message.contains("at most 4096"), "{e}");
    let exactly = format!("a==\"{}\"", "x".repeat(4091));
    assert_eq!(exactly.len(), 4096);
    assert!(parse_q(&exactly).is_ok());
    let tight = Limits {
        max_len: 3,
        max_depth: 32,
    };
    assert_eq!(
        parse_q_with("abcd", tight).unwrap_err().kind,
        ErrorKind::TooLong
    );
}

#[test]
fn depth_guard() {
    let ok = format!("{}a{}", "(".repeat(32), ")".repeat(32));
    assert!(parse_q(&ok).is_ok());
    let deep = format!("{}a{}", "(".repeat(33), ")".repeat(33));
    let e = err(&deep);
    assert_eq!(e.kind, ErrorKind::TooDeep);
    assert!(e.is_too_complex());
    assert_eq!(e.position, 32);
    let linked = format!("{}z{}", "a{".repeat(33), "}".repeat(33));
    assert_eq!(err(&linked).kind, ErrorKind::TooDeep);
    // Pathological but short inputs fail fast and cleanly.
    assert_eq!(err(&"(".repeat(4000)).kind, ErrorKind::TooDeep);
    assert_eq!(err(&"a{".repeat(2000)).kind, ErrorKind::TooDeep);
}

#[test]
fn parsed_queries_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<yuverse_twin_query::Query>();
    assert_send_sync::<yuverse_twin_query::ScopeQuery>();
    assert_send_sync::<ParseError>();
}
