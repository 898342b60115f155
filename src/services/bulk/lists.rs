//! Lists of numbers uploaded for a bulk change: read as roster files are (XLSX, XLSM, XLS, ODS
//! or CSV), kept in the database between the preview and the confirm (any instance serves
//! them) for a few days, then swept.

use crate::authz::Permit;
use crate::domain::Problem;
use crate::roster::read;
use crate::store::{Db, files};

use super::selection::{self, SelectionError};

const PURPOSE: &str = "bulk_list";

/// Lists kept at once, for one person (or token) and for a company.
pub const MAX_OWN: usize = 20;
pub const MAX_COMPANY: usize = 500;

/// A kept list as the choosing form shows it.
#[derive(Debug, Clone)]
pub struct ListFile {
    pub id: i64,
    pub name: String,
    pub bytes: Vec<u8>,
    /// Its rows with a cell in them.
    pub rows: usize,
    /// Each column: its letter and the first cell written in it (a header, mostly).
    pub columns: Vec<(String, String)>,
    /// The column found to hold the numbers (0-based).
    pub numbers: usize,
}

/// Keeps a list of numbers the permit's actor uploaded for `keep_days`; refused when it does
/// not read or holds no phone numbers.
pub async fn upload(
    db: &Db,
    permit: &Permit,
    name: &str,
    bytes: &[u8],
    now: i64,
    keep_days: u64,
) -> Result<i64, SelectionError> {
    described(0, name, bytes)?;
    let mut conn = db.pool.acquire().await?;
    let (own, company) = files::kept_counts(&mut conn, permit, PURPOSE, now).await?;
    drop(conn);
    if own >= MAX_OWN as i64 {
        return Err(SelectionError::Refused(Problem::TooManyLists {
            max: MAX_OWN,
        }));
    }
    if company >= MAX_COMPANY as i64 {
        return Err(SelectionError::Refused(Problem::TooManyLists {
            max: MAX_COMPANY,
        }));
    }
    let name: String = name.chars().take(200).collect();
    let expires_at = now + keep_days as i64 * 24 * 3600 * 1000;
    Ok(files::keep(db, permit, PURPOSE, &name, bytes, now, expires_at).await?)
}

/// The list, if it is one the permit may open and not expired.
pub async fn open(
    db: &Db,
    permit: &Permit,
    id: i64,
    now: i64,
) -> Result<Option<ListFile>, SelectionError> {
    let mut conn = db.pool.acquire().await?;
    match files::get(&mut conn, permit, PURPOSE, id, now).await? {
        Some(kept) => Ok(Some(described(kept.id, &kept.name, &kept.bytes)?)),
        None => Ok(None),
    }
}

fn described(id: i64, name: &str, bytes: &[u8]) -> Result<ListFile, SelectionError> {
    let grid = read::read(bytes, None)?;
    let numbers =
        selection::phone_column(&grid.rows).ok_or(SelectionError::Refused(Problem::NoNumbers))?;
    let width = grid.rows.iter().map(Vec::len).max().unwrap_or(0);
    let columns = (0..width)
        .map(|c| {
            let first = grid
                .rows
                .iter()
                .filter_map(|r| r.get(c).map(|s| s.trim()))
                .find(|s| !s.is_empty())
                .unwrap_or("");
            (
                selection::column_letter(c),
                first.chars().take(40).collect(),
            )
        })
        .collect();
    Ok(ListFile {
        id,
        name: name.to_owned(),
        rows: grid
            .rows
            .iter()
            .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
            .count(),
        bytes: bytes.to_vec(),
        columns,
        numbers,
    })
}
