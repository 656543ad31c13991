//! The error channel's final `Status` (v4 and later): how servers write it and how client-go's
//! `errorDecoderV4` reads it (`client-go/tools/remotecommand/v4.go`).

use serde::Serialize;

use super::{EXIT_CODE_CAUSE_TYPE, NON_ZERO_EXIT_CODE_REASON, Protocol};
use crate::status::StatusDetails;
use crate::{Error, Status, StatusCause};

/// How a remote command ended, as read from the error channel.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteOutcome {
    /// The command succeeded (a `Success` status, or nothing at all on the error channel).
    Success,
    /// The command ran and exited with this non-zero code (`NonZeroExitCode`). This is a value,
    /// not an error: client-go's `exec.CodeExitError`.
    ExitCode(u8),
    /// The server reported a failure other than an exit code; the status is kept whole so its
    /// reason and code stay available. Its message is what client-go's error says.
    Failure(Box<Status>),
}

/// The `Success` status servers write when a command exits 0; encodes (with [`encode_status`])
/// to exactly `{"metadata":{},"status":"Success"}`, as the apiserver's stream translator writes.
pub fn success_status() -> Status {
    Status {
        status: Some("Success".into()),
        ..Status::default()
    }
}

/// The `NonZeroExitCode` status for exit code `code`, shaped as the apiserver's stream
/// translator writes it (`codeExitToStatusError`): code 500, and one `ExitCode` cause whose
/// message is the decimal exit code.
pub fn exit_code_status(code: u8) -> Status {
    Status {
        status: Some("Failure".into()),
        message: Some(format!(
            "command terminated with non-zero exit code: command terminated with exit code {code}"
        )),
        reason: Some(NON_ZERO_EXIT_CODE_REASON.into()),
        details: Some(StatusDetails {
            causes: vec![StatusCause {
                reason: Some(EXIT_CODE_CAUSE_TYPE.into()),
                message: Some(code.to_string()),
                field: None,
            }],
            ..StatusDetails::default()
        }),
        code: Some(500),
        ..Status::default()
    }
}

/// Go's field order for `metav1.Status`, with the (always empty) `metadata` object in place.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireStatus<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<&'a str>,
    metadata: Empty,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a StatusDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<u16>,
}

#[derive(Serialize)]
struct Empty {}

/// Encodes a status for the error channel the way Go's `json.Marshal(metav1.Status)` does
/// (including the empty `metadata` object).
pub fn encode_status(status: &Status) -> Vec<u8> {
    let wire = WireStatus {
        kind: status.kind.as_deref(),
        api_version: status.api_version.as_deref(),
        metadata: Empty {},
        status: status.status.as_deref(),
        message: status.message.as_deref(),
        reason: status.reason.as_deref(),
        details: status.details.as_ref(),
        code: status.code.filter(|c| *c != 0),
    };
    // Serializing plain structs with string keys into memory cannot fail.
    serde_json::to_vec(&wire).unwrap_or_default()
}

fn protocol_error(message: String) -> Error {
    Error::ErrorChannelProtocol { message }
}

/// Decodes everything read from the error channel under a v4+ protocol, exactly as client-go's
/// `errorDecoderV4`: nothing or `Success` is success; `NonZeroExitCode` yields the exit code (0 to
/// 255, from the first `ExitCode` cause); any other `Failure` keeps the status; anything else is a
/// protocol error with client-go's text.
pub fn decode_error_channel(message: &[u8]) -> Result<RemoteOutcome, Error> {
    if message.is_empty() {
        return Ok(RemoteOutcome::Success);
    }
    let status: Status = serde_json::from_slice(message).map_err(|e| {
        protocol_error(format!(
            "error stream protocol error: {e} in {:?}",
            String::from_utf8_lossy(message)
        ))
    })?;
    match status.status.as_deref() {
        Some("Success") => Ok(RemoteOutcome::Success),
        Some("Failure") if status.reason() == NON_ZERO_EXIT_CODE_REASON => {
            let Some(details) = &status.details else {
                return Err(protocol_error(
                    "error stream protocol error: details must be set".into(),
                ));
            };
            let Some(cause) = details
                .causes
                .iter()
                .find(|c| c.reason.as_deref() == Some(EXIT_CODE_CAUSE_TYPE))
            else {
                return Err(protocol_error(format!(
                    "error stream protocol error: no {EXIT_CODE_CAUSE_TYPE} cause given"
                )));
            };
            let text = cause.message.as_deref().unwrap_or("");
            // Go's strconv.ParseUint(text, 10, 8): digits only, no sign, at most 255.
            match text.bytes().all(|b| b.is_ascii_digit()) {
                true => text.parse::<u8>().ok(),
                false => None,
            }
            .map(RemoteOutcome::ExitCode)
            .ok_or_else(|| {
                protocol_error(format!(
                    "error stream protocol error: invalid exit code value {text:?}"
                ))
            })
        }
        Some("Failure") => Ok(RemoteOutcome::Failure(Box::new(status))),
        _ => Err(protocol_error(
            "error stream protocol error: unknown error".into(),
        )),
    }
}

/// Decodes the error channel under `protocol`: a JSON status for v4 and later (see
/// [`decode_error_channel`]); for v1 to v3 any text is a failure whose message is
/// `error executing remote command: <text>` (client-go's `errorDecoderV2`).
pub fn decode_error_channel_for(
    protocol: Protocol,
    message: &[u8],
) -> Result<RemoteOutcome, Error> {
    if protocol.status_on_error_channel() {
        return decode_error_channel(message);
    }
    if message.is_empty() {
        return Ok(RemoteOutcome::Success);
    }
    Ok(RemoteOutcome::Failure(Box::new(Status {
        status: Some("Failure".into()),
        message: Some(format!(
            "error executing remote command: {}",
            String::from_utf8_lossy(message)
        )),
        ..Status::default()
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_err(json: &str) -> String {
        match decode_error_channel(json.as_bytes()) {
            Err(e) => e.to_string(),
            Ok(o) => format!("unexpected success: {o:?}"),
        }
    }

    #[test]
    fn success_encodes_like_the_translator() -> Result<(), Error> {
        let bytes = encode_status(&success_status());
        assert_eq!(bytes, br#"{"metadata":{},"status":"Success"}"#);
        assert_eq!(decode_error_channel(&bytes)?, RemoteOutcome::Success);
        assert_eq!(decode_error_channel(b"")?, RemoteOutcome::Success);
        Ok(())
    }

    #[test]
    fn exit_codes_are_values() -> Result<(), Error> {
        let bytes = encode_status(&exit_code_status(3));
        let json: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| Error::ErrorChannelProtocol {
                message: e.to_string(),
            })?;
        assert_eq!(json["reason"], "NonZeroExitCode");
        assert_eq!(json["code"], 500);
        assert_eq!(json["details"]["causes"][0]["reason"], "ExitCode");
        assert_eq!(json["details"]["causes"][0]["message"], "3");
        assert_eq!(decode_error_channel(&bytes)?, RemoteOutcome::ExitCode(3));
        assert_eq!(
            decode_error_channel(&encode_status(&exit_code_status(255)))?,
            RemoteOutcome::ExitCode(255)
        );
        // The first ExitCode cause counts; other causes are skipped.
        let two = r#"{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[
            {"reason":"Other","message":"x"},{"reason":"ExitCode","message":"7"},
            {"reason":"ExitCode","message":"9"}]}}"#;
        assert_eq!(
            decode_error_channel(two.as_bytes())?,
            RemoteOutcome::ExitCode(7)
        );
        Ok(())
    }

    #[test]
    fn client_go_error_texts() {
        assert_eq!(
            decode_err(r#"{"status":"Failure","reason":"NonZeroExitCode"}"#),
            "error stream protocol error: details must be set"
        );
        assert_eq!(
            decode_err(r#"{"status":"Failure","reason":"NonZeroExitCode","details":{}}"#),
            "error stream protocol error: no ExitCode cause given"
        );
        for bad in ["256", "-1", "+3", "", "x"] {
            let json = format!(
                r#"{{"status":"Failure","reason":"NonZeroExitCode","details":{{"causes":[{{"reason":"ExitCode","message":"{bad}"}}]}}}}"#
            );
            assert_eq!(
                decode_err(&json),
                format!("error stream protocol error: invalid exit code value {bad:?}")
            );
        }
        assert_eq!(
            decode_err(r#"{"status":"Weird"}"#),
            "error stream protocol error: unknown error"
        );
        assert_eq!(
            decode_err("{}"),
            "error stream protocol error: unknown error"
        );
        let text = decode_err("not json");
        assert!(
            text.starts_with("error stream protocol error: ")
                && text.ends_with(r#" in "not json""#),
            "{text}"
        );
    }

    #[test]
    fn other_failures_keep_the_status() -> Result<(), Error> {
        let json = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"container \"nope\" not found","reason":"NotFound","code":404}"#;
        let RemoteOutcome::Failure(status) = decode_error_channel(json.as_bytes())? else {
            return Err(Error::ErrorChannelProtocol {
                message: "expected a failure".into(),
            });
        };
        assert_eq!(status.reason(), "NotFound");
        assert_eq!(status.code(), 404);
        assert_eq!(
            status.message.as_deref(),
            Some("container \"nope\" not found")
        );
        Ok(())
    }

    #[test]
    fn v1_text_errors() -> Result<(), Error> {
        assert_eq!(
            decode_error_channel_for(Protocol::V1, b"")?,
            RemoteOutcome::Success
        );
        let RemoteOutcome::Failure(status) = decode_error_channel_for(Protocol::V1, b"boom")?
        else {
            return Err(Error::ErrorChannelProtocol {
                message: "expected a failure".into(),
            });
        };
        assert_eq!(
            status.message.as_deref(),
            Some("error executing remote command: boom")
        );
        Ok(())
    }
}
