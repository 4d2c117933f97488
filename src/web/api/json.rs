//! JSON request bodies: size-limited while reading, parsed with the failing field's path so the
//! 400 names it. Well-typed values that break a rule are the service's to refuse (422).

use crate::error::{AppError, Code};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

pub const JSON_LIMIT: usize = 256 * 1024;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ct = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let declared =
            req.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !ct.starts_with("application/json") {
                return Err(Code::UnsupportedMediaType.says("请求内容须为 JSON（Content-Type: application/json）"));
            }
            if declared.is_some_and(|n| n > JSON_LIMIT) {
                return Err(AppError::too_large());
            }
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| AppError::from(Code::BadBody))?;
                if body.len() + chunk.len() > JSON_LIMIT {
                    return Err(AppError::too_large());
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(ApiJson)
        })
    }
}

pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let (code, message, field) = match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    (Code::MalformedJson, Code::MalformedJson.message().to_string(), None)
                }
                serde_json::error::Category::Io => (Code::MalformedJson, "请求内容读取失败".to_string(), None),
                serde_json::error::Category::Data => {
                    let text = inner.to_string();
                    if let Some(rest) = text.strip_prefix("missing field `") {
                        let name = rest.split('`').next().unwrap_or("").to_string();
                        let full = if path == "." { name.clone() } else { format!("{path}.{name}") };
                        (Code::MissingField, format!("缺少必填字段 {full}"), Some(full))
                    } else {
                        let f = (path != ".").then_some(path.clone());
                        (Code::InvalidType, format!("字段 {} 的类型不正确", f.as_deref().unwrap_or("（请求体）")), f)
                    }
                }
            };
            let mut err = code.says(message);
            err.field = field.clone();
            if let Some(f) = field {
                let message = err.message.clone();
                err.errors.push(crate::error::FieldError { field: f, code: code.as_str().into(), message });
            }
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        login: String,
        n: Option<i64>,
    }

    #[test]
    fn names_the_field() {
        let e = parse::<T>(br#"{"n":1}"#).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("missing_field", Some("login")));
        let e = parse::<T>(br#"{"login":5}"#).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("invalid_type", Some("login")));
        let e = parse::<T>(b"{").unwrap_err();
        assert_eq!(e.code, "malformed_json");
        assert_eq!(e.status.as_u16(), 400);
        assert!(parse::<T>(br#"{"login":"a","extra":1}"#).is_ok());
    }
}
