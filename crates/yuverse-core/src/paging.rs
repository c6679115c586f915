//! Offset paging shared by every list endpoint: `limit` (default 50, at most 500) and `offset`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Paging parameters as they arrive in a query string.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// Number of items to skip (default 0).
    pub offset: Option<i64>,
}

/// Validated paging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl PageQuery {
    pub fn validate(&self) -> Result<Page, Error> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        let offset = self.offset.unwrap_or(0);
        let mut errors = Vec::new();
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        if offset < 0 {
            errors.push(FieldError::new("offset", "must not be negative"));
        }
        if errors.is_empty() {
            Ok(Page { limit, offset })
        } else {
            Err(Error::Validation(errors))
        }
    }
}

/// One page of a list, with the total count of matches.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, page: Page) -> Self {
        Self {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            PageQuery::default().validate().unwrap(),
            Page {
                limit: 50,
                offset: 0
            }
        );
        let bad = PageQuery {
            limit: Some(501),
            offset: Some(-1),
        };
        match bad.validate() {
            Err(Error::Validation(errors)) => assert_eq!(errors.len(), 2),
            other => panic!("expected validation error, got {other:?}"),
        }
    }
}
