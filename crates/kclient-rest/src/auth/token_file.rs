//! A bearer token read from a file and re-read about every minute, so a rotated token (projected
//! service account tokens rotate hourly) is picked up (client-go's `cachingFileTokenSource`).
//! If a re-read fails, the last good token is kept and the failure logged.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use http::HeaderValue;
use tokio::time::Instant;

use crate::Error;

/// How long a token read from a file is used before the file is read again.
pub(crate) const TOKEN_FILE_RELOAD: Duration = Duration::from_secs(60);

/// The last token read and when.
struct Cached {
    header: HeaderValue,
    /// `None` once invalidated (after a 401): the next use re-reads the file.
    read_at: Option<Instant>,
}

/// A token file with its cache.
pub(crate) struct TokenFile {
    path: PathBuf,
    reload_after: Duration,
    cache: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenFile")
            .field("path", &self.path)
            .field("reload_after", &self.reload_after)
            .finish_non_exhaustive()
    }
}

impl TokenFile {
    /// A token source reading `path` every `reload_after`.
    pub(crate) fn new(path: PathBuf, reload_after: Duration) -> Self {
        Self {
            path,
            reload_after,
            cache: Mutex::new(None),
        }
    }

    /// The `Authorization` header value: cached, or freshly read when stale.
    pub(crate) async fn header(&self) -> Result<HeaderValue, Error> {
        let stale = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            match cache.as_ref() {
                Some(Cached {
                    header,
                    read_at: Some(at),
                }) if at.elapsed() < self.reload_after => return Ok(header.clone()),
                Some(cached) => Some(cached.header.clone()),
                None => None,
            }
        };
        match self.read().await {
            Ok(header) => {
                *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
                    header: header.clone(),
                    read_at: Some(Instant::now()),
                });
                Ok(header)
            }
            Err(error) => match stale {
                Some(header) => {
                    tracing::warn!(%error, "cannot re-read the token file; using the previous token");
                    Ok(header)
                }
                None => Err(error),
            },
        }
    }

    /// Forgets when the token was read, so the next request reads the file again.
    pub(crate) fn invalidate(&self) {
        if let Some(cached) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            cached.read_at = None;
        }
    }

    async fn read(&self) -> Result<HeaderValue, Error> {
        let path = self.path.display();
        let text = tokio::fs::read_to_string(&self.path)
            .await
            .map_err(|e| Error::Auth {
                reason: format!("cannot read the token file {path}"),
                source: Some(Box::new(e)),
            })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(Error::Auth {
                reason: format!("the token file {path} is empty"),
                source: None,
            });
        }
        super::bearer_header(token).map_err(|_| Error::Auth {
            reason: format!("the token in {path} has characters not allowed in an HTTP header"),
            source: None,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn rereads_after_interval_and_keeps_last_good_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "one\n").unwrap();
        let source = TokenFile::new(path.clone(), Duration::from_secs(60));
        assert_eq!(source.header().await.unwrap(), "Bearer one");
        std::fs::write(&path, "two").unwrap();
        assert_eq!(source.header().await.unwrap(), "Bearer one", "still cached");
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(source.header().await.unwrap(), "Bearer two");
        std::fs::remove_file(&path).unwrap();
        source.invalidate();
        assert_eq!(
            source.header().await.unwrap(),
            "Bearer two",
            "last good token"
        );
    }

    #[tokio::test]
    async fn missing_or_empty_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let source = TokenFile::new(path.clone(), TOKEN_FILE_RELOAD);
        let err = source.header().await.unwrap_err();
        assert!(err.to_string().contains("token"), "{err}");
        std::fs::write(&path, "  \n").unwrap();
        let err = source.header().await.unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
