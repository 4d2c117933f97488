//! One error type for the whole app: a status, a stable code, a Chinese message, the fields at
//! fault. The JSON API renders it as DESIGN.md's error shape; pages render it as a Chinese page.

mod catalogue;
pub use catalogue::Code;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Boxed so `Result<T, AppError>` stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct AppError(Box<ErrorInner>);

#[derive(Debug)]
pub struct ErrorInner {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    pub errors: Vec<FieldError>,
    /// What went wrong inside, for the log only (never sent to the client).
    pub internal: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    pub errors: Vec<FieldError>,
}

impl std::ops::Deref for AppError {
    type Target = ErrorInner;
    fn deref(&self) -> &ErrorInner {
        &self.0
    }
}

impl std::ops::DerefMut for AppError {
    fn deref_mut(&mut self) -> &mut ErrorInner {
        &mut self.0
    }
}

impl AppError {
    /// Only the catalogue makes errors: a code has one status everywhere.
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> AppError {
        AppError(Box::new(ErrorInner {
            status,
            code: code.into(),
            message: message.into(),
            field: None,
            errors: Vec::new(),
            internal: None,
        }))
    }
    /// For the command line: the inside story when there is one, else the message.
    pub fn describe(self) -> String {
        let i = self.into_inner();
        i.internal.unwrap_or(i.message)
    }
    /// Takes the error's parts (to move strings out without cloning).
    pub fn into_inner(self) -> ErrorInner {
        *self.0
    }
    pub fn with_field(mut self, field: &str) -> AppError {
        self.field = Some(field.into());
        self
    }
    pub fn unauthorized() -> AppError {
        Code::NotLoggedIn.into()
    }
    pub fn forbidden() -> AppError {
        Code::Forbidden.into()
    }
    pub fn not_found() -> AppError {
        Code::NotFound.into()
    }
    pub fn too_large() -> AppError {
        Code::TooLarge.into()
    }
    pub fn rate_limited() -> AppError {
        Code::RateLimited.into()
    }
    /// A 422 listing every field that breaks a rule; the first becomes the headline.
    pub fn invalid(errors: Vec<FieldError>) -> AppError {
        let first = errors.first().cloned().unwrap_or(FieldError {
            field: String::new(),
            code: Code::Invalid.as_str().into(),
            message: Code::Invalid.message().into(),
        });
        AppError(Box::new(ErrorInner {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: first.code.clone(),
            message: first.message.clone(),
            field: (!first.field.is_empty()).then(|| first.field.clone()),
            errors,
            internal: None,
        }))
    }
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> AppError {
        AppError::invalid(vec![FieldError { field: field.into(), code: code.into(), message: message.into() }])
    }
    pub fn internal(what: impl Into<String>) -> AppError {
        let mut e: AppError = Code::Internal.into();
        e.internal = Some(what.into());
        e
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.clone(),
                message: self.message.clone(),
                field: self.field.clone(),
                errors: self.errors.clone(),
            },
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        if let Some(i) = &self.internal {
            tracing::error!(code = %self.code, "internal error: {i}");
        }
        HttpResponse::build(self.status).json(self.body())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::from(Code::Duplicate),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => AppError::from(Code::Busy),
            other => AppError::internal(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> AppError {
        AppError::internal(format!("pool: {e}"))
    }
}

/// Collects every field problem of a request before answering, so a long form is fixed in one pass.
#[derive(Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), code: code.into(), message: message.into() });
    }
    /// Records the error of a parse and passes its value through.
    pub fn take<T, E>(&mut self, field: &str, r: Result<T, E>, f: impl Fn(E) -> (String, String)) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                let (code, msg) = f(e);
                self.add(field, &code, msg);
                None
            }
        }
    }
    /// A `YYYY-MM-DD` date.
    pub fn date(&mut self, field: &str, s: &str) -> Option<chrono::NaiveDate> {
        let d = crate::domain::text::date(s);
        self.take(field, d, |_| ("invalid_date".into(), "日期格式应为 YYYY-MM-DD".into()))
    }
    /// An RFC 3339 time with its offset.
    pub fn datetime(&mut self, field: &str, s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        let t = chrono::DateTime::parse_from_rfc3339(s.trim()).map(|t| t.with_timezone(&chrono::Utc));
        self.take(field, t, |_| {
            ("invalid_datetime".into(), "时间格式应为 RFC 3339，如 2026-03-01T00:00:00+08:00".into())
        })
    }
    /// An amount in yuan, at most two decimals.
    pub fn money(&mut self, field: &str, s: &str) -> Option<crate::domain::money::Money> {
        let m = crate::domain::money::Money::parse(s.trim());
        self.take(field, m, |e| (e.code().into(), e.message().into()))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid(self.0))
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
