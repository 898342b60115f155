//! A form that uploads one file (its CSRF token and the file), read within the upload limit:
//! refused by its declared length before a byte of the body is read, and again while it
//! arrives.

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use futures_util::StreamExt;

use crate::domain::Problem;
use crate::error::AppError;
use crate::roster::read::MAX_FILE_BYTES;

use super::AppState;

/// The form's token, the file's name and its bytes; or the file too large, as the problem to
/// say on the page (413). A body that is not this form is a stale or forged form.
pub async fn read(
    state: &AppState,
    req: &HttpRequest,
    form: Multipart,
) -> Result<Result<(String, String, Vec<u8>), Problem>, AppError> {
    let limit = state
        .settings
        .upload_max_mb
        .min(MAX_FILE_BYTES / 1024 / 1024)
        * 1024
        * 1024;
    let too_large = Problem::FileTooLarge {
        max_mb: limit / 1024 / 1024,
    };
    let declared = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit + 64 * 1024) {
        return Ok(Err(too_large));
    }
    let mut form = form;
    let (mut csrf, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    // The whole body, not only each field, within the limit; and no more fields than a form
    // of a token and a file has.
    let (mut total, mut fields) = (0usize, 0usize);
    while let Some(field) = form.next().await {
        fields += 1;
        if fields > 8 {
            return Err(AppError::BadRequest(Problem::BadForm {
                detail: "too many fields".into(),
            }));
        }
        let mut field = field.map_err(|_| AppError::Csrf)?;
        let field_name = field.name().unwrap_or("").to_owned();
        if field_name == "file" {
            name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or("")
                .to_owned();
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                AppError::BadRequest(Problem::BadForm {
                    detail: e.to_string(),
                })
            })?;
            total += chunk.len();
            if data.len() + chunk.len() > limit || total > limit + 64 * 1024 {
                return Err(AppError::BadRequest(too_large));
            }
            data.extend_from_slice(&chunk);
        }
        match field_name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&data).into_owned(),
            "file" => bytes = data,
            _ => {}
        }
    }
    Ok(Ok((csrf, name, bytes)))
}
