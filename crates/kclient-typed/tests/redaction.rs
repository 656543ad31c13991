//! Credentials never show in `Debug`: `Secret.data` / `stringData` and the tokens of
//! `TokenRequest` and `TokenReview` print their keys (for maps) but not their values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kclient_typed::ByteString;
use kclient_typed::api::authentication::v1::{
    TokenRequest, TokenRequestStatus, TokenReview, TokenReviewSpec,
};
use kclient_typed::api::core::v1::Secret;

const SENTINEL: &str = "s3ntinel-VALUE";

/// Both the compact and the pretty `Debug` output.
fn debug_forms<T: std::fmt::Debug>(value: &T) -> [String; 2] {
    [format!("{value:?}"), format!("{value:#?}")]
}

#[test]
fn secret_data_and_string_data_show_keys_not_values() {
    let mut secret = Secret {
        data: Some(kclient_apimachinery::VecMap::from([(
            "password".to_string(),
            ByteString::from(SENTINEL),
        )])),
        string_data: Some(kclient_apimachinery::VecMap::from([(
            "api-key".to_string(),
            SENTINEL.to_string(),
        )])),
        type_: Some("Opaque".into()),
        ..Secret::default()
    };
    secret.metadata.name = Some("db-credentials".into());
    for text in debug_forms(&secret) {
        assert!(!text.contains(SENTINEL), "{text}");
        for shown in [
            "\"password\"",
            "\"api-key\"",
            "<redacted>",
            "db-credentials",
            "Opaque",
        ] {
            assert!(text.contains(shown), "missing {shown} in {text}");
        }
    }
    assert!(
        format!("{secret:?}").contains(r#"data: Some({"password": <redacted>})"#),
        "{secret:?}"
    );
}

#[test]
fn an_empty_secret_shows_none() {
    let text = format!("{:?}", Secret::default());
    assert!(text.contains("data: None"), "{text}");
    assert!(text.contains("string_data: None"), "{text}");
}

#[test]
fn token_request_and_token_review_hide_the_token() {
    let request = TokenRequest {
        status: Some(TokenRequestStatus {
            token: Some(SENTINEL.into()),
            ..TokenRequestStatus::default()
        }),
        ..TokenRequest::default()
    };
    let review = TokenReview {
        spec: TokenReviewSpec {
            token: SENTINEL.into(),
            audiences: Some(vec!["api".into()]),
        },
        ..TokenReview::default()
    };
    for text in debug_forms(&request)
        .into_iter()
        .chain(debug_forms(&review))
    {
        assert!(!text.contains(SENTINEL), "{text}");
        assert!(text.contains("token"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
    assert!(format!("{request:?}").contains("token: Some(<redacted>)"));
    assert!(format!("{review:?}").contains("\"api\""), "{review:?}");
}
