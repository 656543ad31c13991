//! Label selector tests: Go's `selector_test.go` cases, the server's error messages, and
//! property tests of the parser and printer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::Error;
use crate::meta::{LabelSelector, LabelSelectorRequirement};

fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse_err(s: &str) -> String {
    match Selector::parse(s) {
        Err(Error::InvalidLabelSelector { message, selector }) => {
            assert_eq!(selector, s);
            message
        }
        other => panic!("{s:?}: expected an error, got {other:?}"),
    }
}

const VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const KEY_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

#[test]
fn good_strings_reprint_without_spaces() {
    for s in [
        "x=a,y=b,z=c",
        "",
        "x!=a,y=b",
        "x=",
        "x= ",
        "x=,z= ",
        "x= ,z= ",
        "!x",
        "x>1",
        "x>1,z<5",
    ] {
        let sel = Selector::parse(s).unwrap();
        assert_eq!(sel.to_string(), s.replace(' ', ""), "{s:?}");
    }
}

#[test]
fn bad_strings_fail_with_server_messages() {
    let cases = [
        (
            "x=a||y=b",
            format!("unable to parse requirement: values[0][x]: Invalid value: \"a||y\": {VALUE_MSG}"),
        ),
        ("x==a==b", "found '==', expected: ',' or 'end of string'".to_string()),
        ("!x=a", "found '=', expected: ',' or 'end of string'".to_string()),
        (
            "x<a",
            "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer".to_string(),
        ),
        ("x in a", "unable to parse requirement: found 'a' expected: '('".to_string()),
        ("x in (a", "unable to parse requirement: found '', expected: ',' or ')'".to_string()),
        ("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'".to_string()),
        (
            "x in ((",
            "unable to parse requirement: found '(', expected: ',', ')' or identifier".to_string(),
        ),
        (
            "x in (a,=)",
            "unable to parse requirement: found '=', expected: ',', or identifier".to_string(),
        ),
        ("x=(", "unable to parse requirement: found '(', expected: identifier".to_string()),
        ("!", "unable to parse requirement: found '', expected: identifier".to_string()),
        (",x", "found ',', expected: !, identifier, or 'end of string'".to_string()),
        ("x,", "found '', expected: identifier after ','".to_string()),
        ("x,,y", "found ',', expected: identifier after ','".to_string()),
        (
            "x y",
            "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt".to_string(),
        ),
        (
            "-app=web",
            format!("unable to parse requirement: <nil>: Invalid value: \"-app\": {KEY_NAME_MSG}"),
        ),
        (
            "app=-web",
            format!("unable to parse requirement: values[0][app]: Invalid value: \"-web\": {VALUE_MSG}"),
        ),
    ];
    for (input, message) in cases {
        assert_eq!(parse_err(input), message, "{input:?}");
    }
    let display = Selector::parse("x==a==b").unwrap_err().to_string();
    assert_eq!(
        display,
        "invalid label selector \"x==a==b\": found '==', expected: ',' or 'end of string'"
    );
}

#[test]
fn parse_is_deterministic_and_sorted_by_key() {
    let a = Selector::parse("x=a,a=x").unwrap();
    let b = Selector::parse("a=x,x=a").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.to_string(), "a=x,x=a");
    let sel = Selector::parse("x notin (abc,def),bar,z in (),w").unwrap();
    assert_eq!(sel.to_string(), "bar,w,x notin (abc,def),z in ()");
    assert_eq!(
        Selector::parse("x in (b,a,b)").unwrap().to_string(),
        "x in (a,b)"
    );
    assert_eq!(
        Selector::parse("x in (abc,)").unwrap().requirements()[0].values(),
        ["", "abc"]
    );
    assert_eq!(
        Selector::parse("x in (,a)").unwrap().requirements()[0].values(),
        ["", "a"]
    );
    assert_eq!(
        Selector::parse("x in (a,,b)").unwrap().requirements()[0].values(),
        ["", "a", "b"]
    );
    assert_eq!(
        Selector::parse("x in ()").unwrap().requirements()[0].values(),
        [""]
    );
}

#[test]
fn whitespace_and_odd_but_valid_inputs() {
    let cases = [
        ("\rx", "x"),
        (
            "this-is-a-dns.domain.com/key-with-dash",
            "this-is-a-dns.domain.com/key-with-dash",
        ),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
        ),
        ("foo  in\t (abc)", "foo in (abc)"),
        ("x notin\n (abc)", "x notin (abc)"),
        ("x  notin\t\t\t(abc,def)", "x notin (abc,def)"),
        ("x==a", "x==a"),
        ("notin=in", "notin=in"),
        ("x=in", "x=in"),
        ("in in (in, notin)", "in in (in,notin)"),
        ("x,y in (a)", "x,y in (a)"),
    ];
    for (input, printed) in cases {
        assert_eq!(
            Selector::parse(input).unwrap().to_string(),
            printed,
            "{input:?}"
        );
    }
}

#[test]
fn matching_like_go() {
    let matches = |s: &str, l: &[(&str, &str)]| Selector::parse(s).unwrap().matches(&set(l));
    assert!(matches("", &[("x", "y")]));
    assert!(matches("x=y", &[("x", "y")]));
    assert!(matches("x=y,z=w", &[("x", "y"), ("z", "w")]));
    assert!(matches("x!=y,z!=w", &[("x", "z"), ("z", "a")]));
    assert!(matches("notin=in", &[("notin", "in")]));
    assert!(matches("x", &[("x", "z")]));
    assert!(matches("!x", &[("y", "z")]));
    assert!(matches("x>1", &[("x", "2")]));
    assert!(matches("x<1", &[("x", "0")]));
    assert!(!matches("x=z", &[]));
    assert!(!matches("x=y", &[("x", "z")]));
    assert!(!matches("x=y,z=w", &[("x", "w"), ("z", "w")]));
    assert!(!matches("x!=y,z!=w", &[("x", "z"), ("z", "w")]));
    assert!(!matches("x", &[("y", "z")]));
    assert!(!matches("!x", &[("x", "z")]));
    assert!(!matches("x>1", &[("x", "0")]));
    assert!(!matches("x<1", &[("x", "2")]));
    assert!(!matches("x>1", &[("x", "v2")]));
    assert!(!matches("x>1", &[]));
    // Gt/Lt bounds are also label values, so they cannot be negative.
    assert!(Selector::parse("x>-5").is_err());
    assert!(matches("x notin (a)", &[]));
    assert!(matches("x notin ()", &[("y", "")]));
    assert!(!matches("x in ()", &[("y", "baz")]));
    assert!(matches("x in ()", &[("x", "")]));
    let labelset = &[("foo", "bar"), ("baz", "blah")];
    assert!(matches("foo=bar,baz=blah", labelset));
    assert!(!matches("foo=bar,foobar=bar,baz=blah", labelset));
    let hashed: std::collections::HashMap<String, String> = set(labelset).into_iter().collect();
    assert!(Selector::parse("foo=bar").unwrap().matches(&hashed));
}

#[test]
fn requirement_constructor_like_go() {
    let ok = |key: &str, op: Operator, values: &[&str]| {
        Requirement::new(key, op, values.iter().copied()).is_ok()
    };
    assert!(!ok("x", Operator::In, &[]));
    assert!(!ok("x", Operator::NotIn, &[]));
    assert!(ok("x", Operator::In, &["foo"]));
    assert!(ok("x", Operator::Exists, &[]));
    assert!(ok("x", Operator::DoesNotExist, &[]));
    assert!(ok("1foo", Operator::In, &["bar"]));
    assert!(ok("y", Operator::GreaterThan, &["1"]));
    assert!(!ok("foo", Operator::GreaterThan, &["bar"]));
    assert!(!ok(&"a".repeat(254), Operator::Exists, &[]));
    let message = |key: &str, op: Operator, values: &[&str]| match Requirement::new(
        key,
        op,
        values.iter().copied(),
    )
    .unwrap_err()
    {
        Error::InvalidLabelRequirement { message, .. } => message,
        other => panic!("{other}"),
    };
    assert_eq!(
        message("x", Operator::Equals, &["a", "b"]),
        r#"values: Invalid value: ["a","b"]: exact-match compatibility requires one single value"#
    );
    assert_eq!(
        message("x", Operator::In, &[]),
        "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"
    );
    assert_eq!(
        message("x", Operator::Exists, &["a"]),
        r#"values: Invalid value: ["a"]: values set must be empty for exists and does not exist"#
    );
    assert_eq!(
        message("x", Operator::LessThan, &["a", "b"]),
        r#"[values: Invalid value: ["a","b"]: for 'Gt', 'Lt' operators, exactly one value is required, values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer, values[1]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer]"#
    );
    assert_eq!(
        message("a/b/c", Operator::Exists, &[]),
        "key: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    );
}

#[test]
fn to_string_like_go() {
    let r = |k: &str, op, v: &[&str]| Requirement::new(k, op, v.iter().copied()).unwrap();
    let sel = Selector::everything()
        .with_requirement(r("x", Operator::In, &["def", "abc"]))
        .with_requirement(r("y", Operator::NotIn, &["jkl"]))
        .with_requirement(r("z", Operator::Exists, &[]));
    assert_eq!(sel.to_string(), "x in (abc,def),y notin (jkl),z");
    let sel = Selector::everything()
        .with_requirement(r("z", Operator::NotEquals, &["a"]))
        .with_requirement(r("x", Operator::Equals, &["abc"]))
        .with_requirement(r("y", Operator::DoubleEquals, &["jkl"]))
        .with_requirement(r("z", Operator::Exists, &[]));
    assert_eq!(sel.to_string(), "x=abc,y==jkl,z!=a,z");
    let sel = Selector::everything()
        .with_requirement(r("x", Operator::GreaterThan, &["2"]))
        .with_requirement(r("y", Operator::LessThan, &["8"]))
        .with_requirement(r("z", Operator::DoesNotExist, &[]));
    assert_eq!(sel.to_string(), "x>2,y<8,!z");
}

#[test]
fn builder_sets_and_exact_match() {
    let sel = Selector::builder()
        .equals("app", "web")
        .in_values("tier", ["cache", "api"])
        .not_equals("env", "prod")
        .does_not_exist("canary")
        .exists("team")
        .greater_than("replicas", 2)
        .build()
        .unwrap();
    assert_eq!(
        sel.to_string(),
        "app=web,!canary,env!=prod,replicas>2,team,tier in (api,cache)"
    );
    assert_eq!(sel.requires_exact_match("app"), Some("web"));
    assert_eq!(sel.requires_exact_match("tier"), None);
    assert_eq!(sel.requires_exact_match("nope"), None);
    let err = Selector::builder()
        .equals("ok", "fine")
        .equals("bad key!", "v")
        .less_than("x", 1)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidLabelRequirement { ref key, .. } if key == "bad key!"));

    let labels = set(&[("b", "2"), ("a", "1")]);
    assert_eq!(Selector::from_set(&labels).to_string(), "a=1,b=2");
    assert!(Selector::from_set(&labels).matches(&labels));
    assert!(Selector::validated_from_set(&set(&[("-a", "1")])).is_err());
    assert!(Selector::from_set(&BTreeMap::new()).is_empty());
}

#[test]
fn converts_meta_v1_label_selector() {
    let ls = LabelSelector::default()
        .match_label("app", "web")
        .match_expression(LabelSelectorRequirement::in_values("tier", ["b", "a"]))
        .match_expression(LabelSelectorRequirement::not_in_values("env", ["prod"]))
        .match_expression(LabelSelectorRequirement::exists("team"))
        .match_expression(LabelSelectorRequirement::does_not_exist("canary"));
    let sel = Selector::try_from(&ls).unwrap();
    assert_eq!(
        sel.to_string(),
        "app=web,!canary,env notin (prod),team,tier in (a,b)"
    );
    assert!(
        Selector::try_from(&LabelSelector::default())
            .unwrap()
            .is_empty()
    );
    let bad = LabelSelector::default().match_expression(LabelSelectorRequirement {
        key: "x".into(),
        operator: "Gt".into(),
        values: vec!["1".into()],
    });
    let err = Selector::try_from(&bad).unwrap_err();
    assert!(
        err.to_string()
            .ends_with(r#""Gt" is not a valid label selector operator"#),
        "{err}"
    );
    let empty_in = LabelSelector::default().match_expression(LabelSelectorRequirement::in_values(
        "x",
        Vec::<String>::new(),
    ));
    assert!(Selector::try_from(&empty_in).is_err());
}

/// A random valid requirement.
fn requirement() -> impl Strategy<Value = Requirement> {
    let key = "([a-z0-9]{1,4}\\.)?[a-z0-9]{1,3}/?[A-Za-z0-9]([-A-Za-z0-9_.]{0,5}[A-Za-z0-9])?"
        .prop_filter("valid key", |k| {
            crate::validation::is_label_key(k).is_empty()
        });
    let value = "([A-Za-z0-9]([-A-Za-z0-9_.]{0,5}[A-Za-z0-9])?)?";
    let op = prop::sample::select(vec![
        Operator::Equals,
        Operator::DoubleEquals,
        Operator::NotEquals,
        Operator::In,
        Operator::NotIn,
        Operator::Exists,
        Operator::DoesNotExist,
        Operator::GreaterThan,
        Operator::LessThan,
    ]);
    (
        key,
        op,
        prop::collection::btree_set(value, 1..4),
        any::<u32>(),
    )
        .prop_map(|(key, op, values, n)| {
            let values: Vec<String> = match op {
                Operator::Exists | Operator::DoesNotExist => vec![],
                Operator::GreaterThan | Operator::LessThan => vec![n.to_string()],
                Operator::In | Operator::NotIn => values.into_iter().collect(),
                _ => values.into_iter().take(1).collect(),
            };
            Requirement::new(key, op, values).unwrap()
        })
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = Selector::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_selector_alphabet(s in "[a-c=!(),<> \t\\-0-9/.in]{0,30}") {
        let _ = Selector::parse(&s);
    }

    #[test]
    fn printed_selectors_parse_back_to_the_same(reqs in prop::collection::vec(requirement(), 0..5)) {
        let sel = reqs.into_iter().fold(Selector::everything(), Selector::with_requirement);
        let printed = sel.to_string();
        let parsed = Selector::parse(&printed).unwrap();
        prop_assert_eq!(parsed.to_string(), printed.clone());
        prop_assert_eq!(parsed.requirements().len(), sel.requirements().len());
        for (a, b) in parsed.requirements().iter().zip(sel.requirements()) {
            prop_assert_eq!(a.key(), b.key());
            prop_assert_eq!(a.operator(), b.operator());
        }
    }

    #[test]
    fn parsed_selector_matches_like_its_reprint(
        reqs in prop::collection::vec(requirement(), 0..4),
        labels in prop::collection::btree_map("[a-c]{1,2}", "[0-9a-c]{0,2}", 0..4),
    ) {
        let sel = reqs.into_iter().fold(Selector::everything(), Selector::with_requirement);
        let reparsed = Selector::parse(&sel.to_string()).unwrap();
        prop_assert_eq!(sel.matches(&labels), reparsed.matches(&labels));
    }
}
