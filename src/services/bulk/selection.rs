//! Which lines a bulk change acts on: every line the lines table's filter matches (all pages,
//! not the one in view), the lines of departments (with the departments under them), or the
//! numbers of an uploaded list (XLSX, XLSM, XLS, ODS or CSV, read as roster files are), each
//! number with its own value where the list has a column of them (a tariff, a limit, a
//! department per line). Always within what the permit covers: to a delegated user a line
//! outside their rights is as one that is not the company's. Resolved once, into line ids in
//! id order.

use std::collections::{HashMap, HashSet};

use crate::authz::Permit;
use crate::domain::{Msisdn, Problem};
use crate::roster::read;
use crate::store::Db;
use crate::store::departments::{self, Department};
use crate::store::lines::{self, Filter};

/// A bulk operation acts on at most this many lines.
pub const MAX_LINES: usize = 200_000;

/// How the lines are chosen.
#[derive(Debug, Clone)]
pub enum Selection {
    /// What the lines table's filter matches.
    Filter(Filter),
    /// The lines of these departments and of the departments under them.
    Departments(Vec<i64>),
    /// These lines (rows ticked on a page of the lines table).
    Lines(Vec<i64>),
    /// Numbers as a list (the API's), each in any spelling; told by position from 1.
    List(Vec<Listed>),
    /// The numbers of a list file: in the column given (0-based), else the first that holds
    /// phone numbers; with each line's own value from `value_column`, if given.
    Numbers {
        file: Vec<u8>,
        sheet: Option<String>,
        column: Option<usize>,
        value_column: Option<usize>,
    },
}

/// A number of a list, with its own value where the list gives one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listed {
    pub number: String,
    pub value: Option<String>,
}

impl Listed {
    pub fn number(number: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            value: None,
        }
    }
}

/// A number of a list that is not acted on, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The row as the spreadsheet numbers it (1-based).
    pub row: usize,
    /// The cell as written.
    pub number: String,
    pub problem: Problem,
}

/// The lines chosen (with the values a list gives them), and the list's numbers that are not
/// among them.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub line_ids: Vec<i64>,
    /// A line's own value, for the lines a list gives one.
    pub values: HashMap<i64, String>,
    pub rejected: Vec<Rejected>,
}

impl Resolved {
    /// Each line with its own value, if it has one: what a preview and a confirm take.
    pub fn lines(&self) -> Vec<(i64, Option<String>)> {
        self.line_ids
            .iter()
            .map(|id| (*id, self.values.get(id).cloned()))
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SelectionError {
    #[error("{0}")]
    Refused(Problem),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<read::ReadError> for SelectionError {
    fn from(e: read::ReadError) -> Self {
        SelectionError::Refused(e.problem())
    }
}

/// The lines the selection names, within the permit: refused when none is left or more than
/// [`MAX_LINES`].
pub async fn resolve(
    db: &Db,
    permit: &Permit,
    selection: &Selection,
) -> Result<Resolved, SelectionError> {
    let mut conn = db.pool.acquire().await?;
    let resolved = match selection {
        Selection::Filter(filter) => Resolved {
            line_ids: lines::ids_matching(&mut conn, permit, filter, MAX_LINES).await?,
            ..Resolved::default()
        },
        Selection::Departments(ids) => {
            let all = departments::list(db, permit).await?;
            let filter = Filter {
                department_ids: Some(subtrees(&all, permit, ids)?),
                ..Filter::default()
            };
            Resolved {
                line_ids: lines::ids_matching(&mut conn, permit, &filter, MAX_LINES).await?,
                ..Resolved::default()
            }
        }
        Selection::Lines(ids) => Resolved {
            line_ids: lines::ids_within(&mut conn, permit, ids).await?,
            ..Resolved::default()
        },
        Selection::List(listed) => {
            let rows: Vec<Vec<String>> = listed
                .iter()
                .map(|l| vec![l.number.clone(), l.value.clone().unwrap_or_default()])
                .collect();
            self::numbers(&mut conn, permit, &rows, Some(0), Some(1)).await?
        }
        Selection::Numbers {
            file,
            sheet,
            column,
            value_column,
        } => {
            let grid = read::read(file, sheet.as_deref())?;
            numbers(&mut conn, permit, &grid.rows, *column, *value_column).await?
        }
    };
    if resolved.line_ids.len() > MAX_LINES {
        return Err(SelectionError::Refused(Problem::TooManyLines {
            max: MAX_LINES,
        }));
    }
    if resolved.line_ids.is_empty() {
        return Err(SelectionError::Refused(Problem::NothingSelected));
    }
    Ok(resolved)
}

/// The departments with those under them; one the permit does not cover is, to it, not there.
fn subtrees(
    all: &[Department],
    permit: &Permit,
    chosen: &[i64],
) -> Result<Vec<i64>, SelectionError> {
    let mut ids: Vec<i64> = Vec::new();
    for &id in chosen {
        if !all.iter().any(|d| d.id == id) || !permit.covers_department(id) {
            return Err(SelectionError::Refused(Problem::NoDepartment { id }));
        }
        ids.extend(crate::services::departments::subtree(all, id));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// A column as people name it: a letter (`B`, `AA`) or a number from 1; 0-based.
pub fn column_of(name: &str) -> Option<usize> {
    let name = name.trim();
    if let Ok(n) = name.parse::<usize>() {
        return n.checked_sub(1);
    }
    if name.is_empty() || name.len() > 3 || !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let n = name
        .to_ascii_uppercase()
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1));
    Some(n - 1)
}

/// A column's letter, as a spreadsheet names it (0 → `A`, 26 → `AA`).
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// The column that holds phone numbers: the first in which most non-empty cells read as one.
pub fn phone_column(rows: &[Vec<String>]) -> Option<usize> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..width).find(|&c| {
        let cells: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.get(c).map(|s| s.trim()))
            .filter(|s| !s.is_empty())
            .take(1000)
            .collect();
        let numbers = cells.iter().filter(|s| Msisdn::parse(s).is_ok()).count();
        numbers > 0 && numbers * 2 >= cells.len()
    })
}

/// The lines of a list's numbers, each with its value from `value_column` (an empty cell:
/// none); every other cell of the column is told by row: not a number (a header aside), given
/// twice, or not among the permit's lines.
async fn numbers(
    conn: &mut sqlx::AnyConnection,
    permit: &Permit,
    rows: &[Vec<String>],
    column: Option<usize>,
    value_column: Option<usize>,
) -> Result<Resolved, SelectionError> {
    let column = column
        .or_else(|| phone_column(rows))
        .ok_or(SelectionError::Refused(Problem::NoNumbers))?;
    let listed = rows
        .iter()
        .filter(|r| r.get(column).is_some_and(|c| !c.trim().is_empty()))
        .count();
    if listed > MAX_LINES + 1 {
        // One row over for a header.
        return Err(SelectionError::Refused(Problem::TooManyLines {
            max: MAX_LINES,
        }));
    }
    let mut rejected = Vec::new();
    let mut wanted: Vec<(usize, String, Msisdn)> = Vec::new();
    let value_of = |row: &[String]| {
        value_column
            .and_then(|c| row.get(c))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut values = HashMap::new();
    let mut seen: HashSet<Msisdn> = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let cell = row.get(column).map(|s| s.trim()).unwrap_or_default();
        if cell.is_empty() {
            continue;
        }
        match Msisdn::parse(cell) {
            Ok(m) if !seen.insert(m.clone()) => rejected.push(Rejected {
                row: i + 1,
                number: cell.to_owned(),
                problem: Problem::NumberListedTwice {
                    number: m.display(),
                },
            }),
            Ok(m) => wanted.push((i + 1, cell.to_owned(), m)),
            // A header or a title above the numbers is no number to act on.
            Err(_) if wanted.is_empty() && !cell.chars().any(|c| c.is_ascii_digit()) => {}
            Err(e) => rejected.push(Rejected {
                row: i + 1,
                number: cell.to_owned(),
                problem: e.0,
            }),
        }
    }
    if wanted.is_empty() && rejected.is_empty() {
        return Err(SelectionError::Refused(Problem::NoNumbers));
    }
    let stored: Vec<String> = wanted
        .iter()
        .map(|(_, _, m)| m.as_str().to_owned())
        .collect();
    let found = lines::ids_by_number(conn, permit, &stored).await?;
    let mut line_ids = Vec::with_capacity(found.len());
    for (row, cell, m) in wanted {
        match found.get(m.as_str()) {
            Some(id) => {
                line_ids.push(*id);
                if let Some(value) = value_of(&rows[row - 1]) {
                    values.insert(*id, value);
                }
            }
            None => rejected.push(Rejected {
                row,
                number: cell,
                problem: Problem::NotALine {
                    number: m.display(),
                    or_outside_rights: *permit.scope() != crate::authz::Scope::Company,
                },
            }),
        }
    }
    line_ids.sort_unstable();
    rejected.sort_by_key(|r| r.row);
    Ok(Resolved {
        line_ids,
        values,
        rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn columns_are_named_by_letter_or_number() {
        assert_eq!(column_of("A"), Some(0));
        assert_eq!(column_of("b"), Some(1));
        assert_eq!(column_of("AA"), Some(26));
        assert_eq!(column_of("2"), Some(1));
        assert_eq!(column_of("0"), None);
        assert_eq!(column_of("Б"), None);
        assert_eq!(column_of(""), None);
        for i in [0, 1, 25, 26, 27, 701, 702] {
            assert_eq!(column_of(&column_letter(i)), Some(i), "{i}");
        }
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn the_phone_column_is_found_past_other_columns() {
        let g = grid(&[
            &["ФИО", "Номер", "Примечание"],
            &["Иванов", "8 (916) 000-00-01", "12"],
            &["Петров", "+7 916 000 00 02", ""],
            &["Сидоров", "не помню", "7"],
        ]);
        assert_eq!(phone_column(&g), Some(1));
        assert_eq!(phone_column(&grid(&[&["ФИО"], &["Иванов"]])), None);
    }
}
