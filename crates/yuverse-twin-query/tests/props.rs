//! Property tests: the parsers never panic, and canonical text round-trips.

use proptest::prelude::*;
use serde_json::Value;
use yuverse_twin_query::{
    fuzz_q, parse_q, parse_scope_q, AttrPath, CompareOp, Expr, Literal, MemberPath, Operand,
    PathKind, Term,
};

// ---- generators for valid queries ------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_]{0,8}",
        Just("température".to_owned()),
        Just("街道".to_owned()),
        Just("observedAt".to_owned()),
        Just("true".to_owned()),
    ]
}

fn member() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9_@-]{1,6}", Just("en-GB".to_owned())]
}

fn value_path() -> impl Strategy<Value = AttrPath> {
    (
        name(),
        prop::collection::vec(name(), 0..3),
        prop_oneof![
            3 => Just(None),
            1 => Just(Some(MemberPath::AnyLanguage)),
            2 => prop::collection::vec(member(), 1..4).prop_map(|m| Some(MemberPath::Members(m))),
        ],
    )
        .prop_map(|(name, sub_attrs, member)| AttrPath {
            name,
            kind: PathKind::Value { sub_attrs, member },
        })
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    value_path().prop_recursive(3, 8, 1, |inner| {
        (name(), prop::collection::vec(name(), 0..3), inner).prop_map(
            |(name, entity_types, target)| AttrPath {
                name,
                kind: PathKind::Linked {
                    entity_types,
                    target: Box::new(target),
                },
            },
        )
    })
}

fn temporal(kind: u8) -> impl Strategy<Value = Literal> {
    (
        1900u32..2100,
        1u32..13,
        1u32..29,
        0u32..24,
        0u32..60,
        0u32..60,
        0u32..1000,
    )
        .prop_map(move |(y, mo, d, h, mi, s, ms)| {
            let text = match kind {
                0 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z"),
                1 => format!("{y:04}-{mo:02}-{d:02}"),
                _ => format!("{h:02}:{mi:02}:{s:02}+01:00"),
            };
            let q = format!("x=={text}");
            match parse_q(&q).expect("valid temporal").expr() {
                Expr::Term(Term::Compare {
                    operand: Operand::Single(l),
                    ..
                }) => l.clone(),
                other => panic!("{other:?}"),
            }
        })
}

fn comparable() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<i64>().prop_map(|n| Literal::Number(n.into())),
        any::<u64>().prop_map(|n| Literal::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(Literal::Number),
        any::<String>().prop_map(Literal::String),
        temporal(0),
        temporal(1),
        temporal(2),
    ]
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        4 => comparable(),
        1 => any::<bool>().prop_map(Literal::Bool),
        1 => "[a-zA-Z][a-zA-Z0-9:/._~#?=&-]{0,12}"
            .prop_filter("not a boolean, no range dots", |s| {
                s != "true" && s != "false" && !s.contains("..")
            })
            .prop_map(Literal::Uri),
    ]
}

fn same_kind_range() -> impl Strategy<Value = Operand> {
    prop_oneof![
        (any::<i32>(), any::<i32>()).prop_map(|(a, b)| {
            Operand::Range(
                Literal::Number(a.min(b).into()),
                Literal::Number(a.max(b).into()),
            )
        }),
        ("[a-z]{0,4}", "[a-z]{0,4}").prop_map(|(a, b)| {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            Operand::Range(Literal::String(lo), Literal::String(hi))
        }),
        (temporal(1), temporal(1)).prop_map(|(a, b)| {
            let ka = match &a {
                Literal::Date(t) => t.key,
                _ => 0,
            };
            let kb = match &b {
                Literal::Date(t) => t.key,
                _ => 0,
            };
            if ka <= kb {
                Operand::Range(a, b)
            } else {
                Operand::Range(b, a)
            }
        }),
    ]
}

fn term() -> impl Strategy<Value = Term> {
    let ops = prop_oneof![
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le)
    ];
    let eq = prop_oneof![Just(CompareOp::Eq), Just(CompareOp::Ne)];
    prop_oneof![
        attr_path().prop_map(Term::Exists),
        attr_path().prop_map(Term::NotExists),
        (attr_path(), ops, comparable()).prop_map(|(path, op, l)| Term::Compare {
            path,
            op,
            operand: Operand::Single(l)
        }),
        (
            attr_path(),
            eq,
            prop_oneof![
                literal().prop_map(Operand::Single),
                prop::collection::vec(literal(), 2..4).prop_map(Operand::List),
                same_kind_range(),
            ]
        )
            .prop_map(|(path, op, operand)| Term::Compare { path, op, operand }),
        (
            attr_path(),
            any::<bool>(),
            prop_oneof![
                Just("^m"),
                Just("a|b"),
                Just("(?i)x\\d+$"),
                Just("[;|)\"]"),
                Just("\\)"),
            ]
        )
            .prop_map(|(path, negated, src)| {
                let q = format!("x~={}", serde_json::to_string(src).unwrap());
                let pattern = match parse_q(&q).expect("valid regex").expr() {
                    Expr::Term(Term::Pattern { pattern, .. }) => pattern.clone(),
                    other => panic!("{other:?}"),
                };
                Term::Pattern {
                    path,
                    negated,
                    pattern,
                }
            }),
    ]
}

/// Normalised expressions: AND/OR with at least two children, never nested in their own kind.
fn expr() -> impl Strategy<Value = Expr> {
    term()
        .prop_map(Expr::Term)
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(|cs| flatten(true, cs)),
                prop::collection::vec(inner, 2..4).prop_map(|cs| flatten(false, cs)),
            ]
        })
}

fn flatten(and: bool, cs: Vec<Expr>) -> Expr {
    let mut out = Vec::new();
    for c in cs {
        match (and, c) {
            (true, Expr::And(v)) | (false, Expr::Or(v)) => out.extend(v),
            (_, c) => out.push(c),
        }
    }
    if and {
        Expr::And(out)
    } else {
        Expr::Or(out)
    }
}

// ---- arbitrary JSON for evaluation -----------------------------------------------------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(Value::Number),
        prop_oneof![
            "[a-z]{0,3}",
            Just("2024-01-01T00:00:00Z".to_owned()),
            Just("Property".to_owned()),
            Just("Relationship".to_owned()),
            Just("LanguageProperty".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("type".to_owned()),
                    Just("value".to_owned()),
                    Just("object".to_owned()),
                    Just("objectList".to_owned()),
                    Just("languageMap".to_owned()),
                    Just("valueList".to_owned()),
                    Just("a".to_owned()),
                    Just("b".to_owned()),
                    Just("en".to_owned()),
                    Just("observedAt".to_owned()),
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn parse_q_never_panics(s in any::<String>()) {
        let _ = parse_q(&s);
        let _ = parse_scope_q(&s);
    }

    #[test]
    fn parse_q_never_panics_on_query_like_text(s in r#"[a-c!=<>~;|(),.\[\]{}*"0-9:T\-Z /#+ ]{0,40}"#) {
        fuzz_q(s.as_bytes());
    }

    #[test]
    fn fuzz_entry_point_never_panics(data in prop::collection::vec(any::<u8>(), 0..64)) {
        fuzz_q(&data);
    }

    #[test]
    fn generated_queries_round_trip(e in expr()) {
        let text = e.to_string();
        let parsed = parse_q(&text).map_err(|err| TestCaseError::fail(format!("{text:?}: {err}")))?;
        prop_assert_eq!(parsed.expr(), &e, "text {:?}", text);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn printing_and_reparsing_is_stable(s in r#"[ab.\[\]{}:!=<>~;|()"0-9,x-]{1,24}"#) {
        if let Ok(q) = parse_q(&s) {
            let text = q.to_string();
            let again = parse_q(&text).map_err(|err| TestCaseError::fail(format!("{s:?} -> {text:?}: {err}")))?;
            prop_assert_eq!(again, q);
        }
    }

    #[test]
    fn scope_queries_round_trip(s in r"[ab+/#;|,() ]{1,24}") {
        if let Ok(q) = parse_scope_q(&s) {
            let text = q.to_string();
            let again = parse_scope_q(&text).map_err(|err| TestCaseError::fail(format!("{s:?} -> {text:?}: {err}")))?;
            prop_assert_eq!(again, q);
        }
    }

    #[test]
    fn evaluation_never_panics(e in expr(), entity in json_value()) {
        let q = parse_q(&e.to_string()).expect("generated queries parse");
        let _ = q.matches(&entity);
        let resolve = |_: &str| Some(std::borrow::Cow::Borrowed(&entity));
        let _ = q.matches_with(&entity, &resolve);
        let _ = q.equality_terms();
    }
}
