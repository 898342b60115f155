//! Tables out: XLSX and CSV (UTF-8 with BOM, or Windows-1251 for Excel in Russia). Every text
//! cell goes through [`guarded`] so that no spreadsheet program runs it as a formula.

use std::borrow::Cow;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

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
    let mut book = Workbook::new();
    let ws = book.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let quoted = Format::new().set_quote_prefix();
    let heading = Format::new().set_bold().set_font_size(13);
    let plain = Format::new();
    for (r, line) in table.title.iter().enumerate() {
        let format = if r == 0 { &heading } else { &plain };
        ws.write_string_with_format(r as u32, 0, fits_a_cell(line), format)?;
    }
    // The header, after the title and an empty row.
    let head = if table.title.is_empty() {
        0
    } else {
        table.title.len() as u32 + 1
    };
    for (c, h) in table.headers.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(head, col, h, &bold)?;
        let fit = (h.chars().count() as f64 + 4.0).max(14.0);
        ws.set_column_width(col, table.widths.get(c).copied().unwrap_or(fit))?;
    }
    ws.set_freeze_panes(head + 1, 0)?;
    let last_col = table.headers.len().saturating_sub(1) as u16;
    if !table.title.is_empty() {
        ws.autofilter(head, 0, head + table.rows.len() as u32, last_col)?;
    }
    let money_bold = Format::new().set_num_format("#,##0.00").set_bold();
    let mut write = |r: u32, row: &[Cell], strong: bool| -> Result<(), XlsxError> {
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) | Cell::Phone { shown: t, .. } if starts_like_formula(t) => {
                    ws.write_string_with_format(r, c, fits_a_cell(t), &quoted)?;
                }
                Cell::Text(t) | Cell::Phone { shown: t, .. } if strong => {
                    ws.write_string_with_format(r, c, fits_a_cell(t), &bold)?;
                }
                Cell::Text(t) | Cell::Phone { shown: t, .. } => {
                    ws.write_string(r, c, fits_a_cell(t))?;
                }
                Cell::Money(k) => {
                    ws.write_with_format(
                        r,
                        c,
                        rubles(*k),
                        if strong { &money_bold } else { &money },
                    )?;
                }
                Cell::Int(i) => {
                    ws.write(r, c, *i)?;
                }
                Cell::Empty => {}
            }
        }
        Ok(())
    };
    for (r, row) in table.rows.iter().enumerate() {
        write(head + 1 + r as u32, row, false)?;
    }
    if let Some(totals) = &table.totals {
        write(head + 1 + table.rows.len() as u32, totals, true)?;
    }
    book.save_to_buffer()
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

/// The table as CSV: `;`-separated (Excel's separator where the decimal mark is a comma),
/// money with a decimal comma, CRLF line ends.
pub fn to_csv(table: &Table, encoding: Encoding) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let text = |c: &Cell| -> String {
        match c {
            Cell::Text(t) => guarded(t).into_owned(),
            Cell::Phone { digits, .. } if digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits.clone()
            }
            Cell::Phone { digits, .. } => guarded(digits).into_owned(),
            Cell::Money(k) => format!("{:.2}", rubles(*k)).replace('.', ","),
            Cell::Int(i) => i.to_string(),
            Cell::Empty => String::new(),
        }
    };
    // Writing to a Vec cannot fail.
    let _ = out.write_record(table.headers.iter().map(|h| guarded(h).into_owned()));
    for row in &table.rows {
        let _ = out.write_record(row.iter().map(text));
    }
    let utf8 = out.into_inner().unwrap_or_default();
    match encoding {
        Encoding::Utf8Bom => {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend(utf8);
            bytes
        }
        Encoding::Cp1251 => cp1251(&String::from_utf8_lossy(&utf8)),
    }
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
