//! Tables out: XLSX and CSV (UTF-8 with BOM, or Windows-1251 for Excel in Russia), written row
//! by row (`stream`) or from a table in memory through the same code. Every text cell goes
//! through [`guarded`] so that no spreadsheet program runs it as a formula.

use std::borrow::Cow;

use rust_decimal::Decimal;
use rust_xlsxwriter::XlsxError;

pub mod stream;

pub use stream::{CsvStream, MAX_ROW, Sheet, XlsxStream};

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A phone number: shown as text in XLSX (`+7 916 500-00-10`), and in CSV as the 11
    /// digits bills and 1C match on (`79165000010`), which no program reads as a formula.
    Phone {
        shown: String,
        digits: String,
    },
    /// Kopecks: written as an exact decimal amount of roubles.
    Money(i64),
    Int(i64),
    Empty,
}

/// A table with a header row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Lines above the header, in XLSX only (what the file holds, of whom, when, filtered how):
    /// a CSV stays one header and its rows, for programs to read.
    pub title: Vec<String>,
    pub headers: Vec<String>,
    /// Column widths in characters (XLSX); a missing one fits the header.
    pub widths: Vec<f64>,
    pub rows: Vec<Vec<Cell>>,
    /// A last row of totals under the rows, in XLSX only.
    pub totals: Option<Vec<Cell>>,
}

/// Whether a spreadsheet program would read the text as a formula (or as a command, for a
/// leading tab or carriage return).
pub fn starts_like_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// The text as a CSV cell: one that starts like a formula gets a leading apostrophe, which
/// spreadsheet programs show as text and never evaluate.
pub fn guarded(text: &str) -> Cow<'_, str> {
    if starts_like_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV cell as it was before [`guarded`]: the apostrophe in front of text that starts like a
/// formula is taken off, so a file this cabinet wrote reads back as it was.
pub fn unguarded(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(text) if starts_like_formula(text) => text,
        _ => cell,
    }
}

/// Excel holds at most this many characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// The text as an XLSX cell takes it: past Excel's limit it is cut, with an ellipsis saying so.
fn fits_a_cell(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let cut: String = text.chars().take(MAX_CELL_CHARS - 1).collect();
            Cow::Owned(cut + "…")
        }
    }
}

fn rubles(kopecks: i64) -> Decimal {
    Decimal::new(kopecks, 2)
}

/// The table as an XLSX workbook with one sheet: a bold, frozen header row, money as numbers
/// with two decimals. Text that starts like a formula is stored as text with Excel's own
/// quote-prefix mark, so it stays text even when the cell is edited.
pub fn to_xlsx(table: &Table, sheet: &str) -> Result<Vec<u8>, XlsxError> {
    let mut out = XlsxStream::new(&Sheet {
        name: sheet.to_owned(),
        title: table.title.clone(),
        headers: table.headers.clone(),
        widths: table.widths.clone(),
    })?;
    for row in &table.rows {
        out.row(row)?;
    }
    out.finish(table.totals.as_deref())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 with a byte-order mark, which Excel needs to read UTF-8.
    Utf8Bom,
    /// Windows-1251: what Excel in Russia opens by default.
    Cp1251,
}

impl Encoding {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" | "utf8" | "utf-8" => Some(Encoding::Utf8Bom),
            "cp1251" | "windows-1251" => Some(Encoding::Cp1251),
            _ => None,
        }
    }
}

/// The table as CSV (see [`CsvStream`]).
pub fn to_csv(table: &Table, encoding: Encoding) -> Vec<u8> {
    let write = || -> std::io::Result<Vec<u8>> {
        let mut csv = CsvStream::new(Vec::new(), encoding, &table.headers)?;
        for row in &table.rows {
            csv.row(row)?;
        }
        csv.finish()
    };
    // Writing to a Vec cannot fail.
    write().unwrap_or_default()
}

/// Windows-1251 bytes; a character the code page lacks becomes `?`.
fn cp1251(text: &str) -> Vec<u8> {
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1251.encode(text);
    if !lossy {
        return bytes.into_owned();
    }
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for ch in text.chars() {
        let (b, _, bad) = encoding_rs::WINDOWS_1251.encode(ch.encode_utf8(&mut buf));
        if bad {
            out.push(b'?')
        } else {
            out.extend_from_slice(&b)
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_disarmed() {
        for t in ["=1+1", "+7 916", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(guarded(t).starts_with('\''), "{t:?}");
            assert_eq!(unguarded(&guarded(t)), t);
        }
        assert_eq!(guarded("Иванов"), "Иванов");
        assert_eq!(guarded(""), "");
    }

    #[test]
    fn csv_in_both_encodings() {
        let table = Table {
            headers: vec!["ФИО".into(), "Сумма".into()],
            widths: vec![],
            rows: vec![
                vec![Cell::Text("=HYPERLINK(\"x\")".into()), Cell::Money(123_450)],
                vec![Cell::Text("Ёлкин ₽".into()), Cell::Empty],
            ],
            ..Default::default()
        };
        let utf8 = to_csv(&table, Encoding::Utf8Bom);
        assert!(utf8.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(utf8[3..].to_vec()).unwrap();
        assert_eq!(
            text,
            "ФИО;Сумма\r\n\"'=HYPERLINK(\"\"x\"\")\";1234,50\r\nЁлкин ₽;\r\n"
        );
        let cp = to_csv(&table, Encoding::Cp1251);
        let (back, _, _) = encoding_rs::WINDOWS_1251.decode(&cp);
        assert_eq!(
            back,
            "ФИО;Сумма\r\n\"'=HYPERLINK(\"\"x\"\")\";1234,50\r\nЁлкин ?;\r\n"
        );
    }
}

#[cfg(test)]
mod cell_tests {
    use super::*;

    #[test]
    fn text_past_excels_limit_is_cut_to_fit_a_cell() {
        assert_eq!(fits_a_cell("короткий"), "короткий");
        let long = "я".repeat(MAX_CELL_CHARS + 10);
        let cut = fits_a_cell(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with('…'));
        let exact = "x".repeat(MAX_CELL_CHARS);
        assert_eq!(fits_a_cell(&exact).len(), MAX_CELL_CHARS);
        let table = Table {
            headers: vec!["A".into()],
            widths: vec![],
            rows: vec![vec![Cell::Text(long)]],
            ..Default::default()
        };
        assert!(to_xlsx(&table, "Лист").is_ok());
    }
}
