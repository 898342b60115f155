//! A roster file as a grid of text: XLSX, XLSM, XLS, ODS (calamine) or CSV (the `csv` crate),
//! each cell as the text a person meant — a phone typed into a numeric cell reads `79123456789`,
//! a formula by its cached value, a date as `2026-03-01`.

use crate::domain::Problem;
use std::io::{Cursor, Read, Seek};
use std::panic::AssertUnwindSafe;

use calamine::{Data, DataRef, Ods, OdsError, Reader, Xls, XlsError, Xlsx, XlsxError};

use super::bounds::{self, Zipped};

/// Uploads larger than this are refused before reading.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_ROWS: usize = 200_000;
/// Cells of the sheet read, counted to each row's last filled cell (an XLS or ODS: from the
/// sheet's first filled cell to its last).
pub const MAX_CELLS: usize = 5_000_000;
/// A roster has a few dozen columns at most; a wider sheet is refused at upload, before any
/// page renders it (a preview of 500,000 columns would be hundreds of MB on every view).
pub const MAX_COLUMNS: usize = 300;

/// Why a file does not read as a roster (for logs in English; people are told its
/// [`ReadError::problem`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("larger than {} MB", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("empty")]
    Empty,
    #[error("more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("more than {MAX_CELLS} cells")]
    TooManyCells,
    #[error("row {0} has more than {MAX_COLUMNS} columns")]
    TooManyColumns(usize),
    #[error("no sheet «{0}»")]
    NoSuchSheet(String),
    #[error("not a spreadsheet")]
    NotASpreadsheet,
    #[error("encrypted")]
    Encrypted,
    #[error("damaged or cut short")]
    Damaged,
    #[error("unreadable: {0}")]
    Unreadable(String),
}

impl ReadError {
    pub fn problem(&self) -> Problem {
        match self {
            ReadError::TooLarge => Problem::FileTooLarge {
                max_mb: MAX_FILE_BYTES / 1024 / 1024,
            },
            ReadError::Empty => Problem::FileEmpty,
            ReadError::TooManyRows => Problem::FileTooManyRows { max: MAX_ROWS },
            ReadError::TooManyCells => Problem::FileTooManyCells { max: MAX_CELLS },
            ReadError::TooManyColumns(row) => Problem::FileTooManyColumns {
                row: *row,
                max: MAX_COLUMNS,
            },
            ReadError::NoSuchSheet(name) => Problem::NoSuchSheet { name: name.clone() },
            ReadError::NotASpreadsheet => Problem::NotASpreadsheet,
            ReadError::Encrypted => Problem::FileEncrypted,
            ReadError::Damaged => Problem::FileDamaged,
            ReadError::Unreadable(detail) => Problem::FileUnreadable {
                detail: detail.clone(),
            },
        }
    }
}

/// The cells of one sheet; `rows[0]` is the sheet's row 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grid {
    pub sheet: String,
    /// Every sheet of the book (one for CSV), to choose from.
    pub sheets: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];

/// Whether the bytes are a workbook container (XLSX, ODS, XLS), not text.
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(ZIP) || bytes.starts_with(OLE)
}

/// Reads the first sheet, or the one named.
pub fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Grid, ReadError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }
    let zip = bytes.starts_with(ZIP);
    let ole = bytes.starts_with(OLE);
    // An encrypted XLSX is an OLE container holding the encrypted package.
    if ole && contains_utf16(bytes, "EncryptedPackage") {
        return Err(ReadError::Encrypted);
    }
    if !zip && !ole && looks_binary(bytes) {
        return Err(ReadError::NotASpreadsheet);
    }
    let grid = if zip {
        match bounds::zipped(bytes)? {
            Zipped::Xlsx => unpanicked(|| read_xlsx(Cursor::new(bytes), sheet))?,
            Zipped::Ods => unpanicked(|| {
                let book = Ods::new(Cursor::new(bytes))
                    .map_err(|e| unopened(matches!(e, OdsError::Password)));
                read_whole(book?, sheet)
            })?,
        }
    } else if ole {
        let book = bounds::xls(bytes)?;
        unpanicked(|| {
            let book =
                Xls::new(Cursor::new(book)).map_err(|e| unopened(matches!(e, XlsError::Password)));
            read_whole(book?, sheet)
        })?
    } else {
        read_csv(bytes)?
    };
    if grid.rows.len() > MAX_ROWS {
        return Err(ReadError::TooManyRows);
    }
    Ok(grid)
}

/// A text file has no NUL bytes and no control characters but tab and line breaks at its start.
fn looks_binary(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .take(8192)
        .any(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)))
}

fn contains_utf16(bytes: &[u8], text: &str) -> bool {
    let needle: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// calamine can panic on a damaged file (a CFB sector past the end of an XLS was found by
/// fuzzing): the panic is caught and the file is refused as damaged.
fn unpanicked<T>(read: impl FnOnce() -> Result<T, ReadError>) -> Result<T, ReadError> {
    std::panic::catch_unwind(AssertUnwindSafe(read)).unwrap_or(Err(ReadError::Damaged))
}

/// The sheet named, or the first; and every sheet's name.
fn choose(sheets: Vec<String>, sheet: Option<&str>) -> Result<(String, Vec<String>), ReadError> {
    let name = match sheet.filter(|s| !s.is_empty()) {
        Some(s) if sheets.iter().any(|n| n == s) => s.to_owned(),
        Some(s) => return Err(ReadError::NoSuchSheet(s.to_owned())),
        None => sheets.first().cloned().ok_or(ReadError::Empty)?,
    };
    Ok((name, sheets))
}

/// Why a book did not open: its password, or damage.
fn unopened(password: bool) -> ReadError {
    if password {
        ReadError::Encrypted
    } else {
        ReadError::Damaged
    }
}

fn unreadable(e: impl std::fmt::Display) -> ReadError {
    ReadError::Unreadable(e.to_string())
}

/// An XLSX, cell by cell as its XML streams: no grid from the sheet's first cell to its last is
/// built, so two far-apart cells cost two cells.
fn read_xlsx<RS: Read + Seek>(file: RS, sheet: Option<&str>) -> Result<Grid, ReadError> {
    let mut book = Xlsx::new(file).map_err(|e| unopened(matches!(e, XlsxError::Password)))?;
    let (name, sheets) = choose(book.sheet_names(), sheet)?;
    let mut grid = GridBuilder::default();
    match book.worksheet_cells_reader(&name) {
        Ok(mut cells) => {
            while let Some(cell) = cells.next_cell().map_err(unreadable)? {
                let (row, col) = cell.get_position();
                grid.put(row, col, ref_text(cell.get_value()))?;
            }
        }
        // A chart sheet: no cells.
        Err(XlsxError::NotAWorksheet(_)) => {}
        Err(e) => return Err(unreadable(e)),
    }
    Ok(grid.into_grid(name, sheets))
}

/// An XLS or ODS, which calamine reads whole when it opens the book (`bounds` has checked the
/// size of what it builds).
fn read_whole<RS, R>(mut book: R, sheet: Option<&str>) -> Result<Grid, ReadError>
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let (name, sheets) = choose(book.sheet_names(), sheet)?;
    let range = book.worksheet_range(&name).map_err(unreadable)?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid = GridBuilder::default();
    for (row, col, value) in range.used_cells() {
        grid.put(top + row as u32, left + col as u32, cell_text(value))?;
    }
    Ok(grid.into_grid(name, sheets))
}

/// The rows of a sheet, filled cell by cell at their own row and column; each row ends at its
/// last filled cell.
#[derive(Default)]
struct GridBuilder {
    rows: Vec<Vec<String>>,
    cells: usize,
}

impl GridBuilder {
    fn put(&mut self, row: u32, col: u32, text: String) -> Result<(), ReadError> {
        if text.is_empty() {
            return Ok(());
        }
        let (row, col) = (row as usize, col as usize);
        if row >= MAX_ROWS {
            return Err(ReadError::TooManyRows);
        }
        if col >= MAX_COLUMNS {
            return Err(ReadError::TooManyColumns(row + 1));
        }
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if cells.len() <= col {
            self.cells += col + 1 - cells.len();
            if self.cells > MAX_CELLS {
                return Err(ReadError::TooManyCells);
            }
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
        Ok(())
    }

    fn into_grid(self, sheet: String, sheets: Vec<String>) -> Grid {
        Grid {
            sheet,
            sheets,
            rows: self.rows,
        }
    }
}

fn ref_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::String(s) => s.clone(),
        other => cell_text(&Data::from(other.clone())),
    }
}

/// A cell as the text a person meant.
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // A whole number stored as a float (every number in XLSX): no `.0`, no exponent.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// UTF-8 (with or without BOM) or Windows-1251, told apart by whether the bytes are UTF-8.
fn decode(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => {
            encoding_rs::WINDOWS_1251
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// The delimiter that splits the first lines most evenly into the most fields: `;`, `,` or tab
/// (quoted parts do not count).
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b';', 0usize);
    for d in [b';', b',', b'\t'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| {
                let mut quoted = false;
                l.bytes()
                    .filter(|&b| {
                        if b == b'"' {
                            quoted = !quoted;
                        }
                        b == d && !quoted
                    })
                    .count()
            })
            .collect();
        // Rows above the header (a title) may have none: score by the commonest count.
        let mut score = 0;
        for &c in &counts {
            if c > 0 {
                let same = counts.iter().filter(|&&x| x == c).count();
                score = score.max(same * 1000 + c);
            }
        }
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn read_csv(bytes: &[u8]) -> Result<Grid, ReadError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReadError::Unreadable(e.to_string()))?;
        // The cabinet's own exports guard formula-like text with an apostrophe.
        let mut cells: Vec<String> = record
            .iter()
            .map(|c| crate::export::unguarded(c).to_owned())
            .collect();
        while cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        if cells.len() > MAX_COLUMNS {
            return Err(ReadError::TooManyColumns(rows.len() + 1));
        }
        rows.push(cells);
        if rows.len() > MAX_ROWS {
            return Err(ReadError::TooManyRows);
        }
    }
    Ok(Grid {
        sheet: "CSV".into(),
        sheets: vec!["CSV".into()],
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_wrote_them() {
        assert_eq!(cell_text(&Data::Float(79_123_456_789.0)), "79123456789");
        assert_eq!(cell_text(&Data::Float(1500.5)), "1500.5");
        assert_eq!(cell_text(&Data::Int(42)), "42");
        assert_eq!(cell_text(&Data::Empty), "");
    }

    #[test]
    fn a_sheet_wider_than_a_roster_is_refused_with_its_row() {
        let wide = format!(
            "ФИО;Телефон\nИванов;+79161234567{}\n",
            ";x".repeat(MAX_COLUMNS)
        );
        assert_eq!(
            read(wide.as_bytes(), None),
            Err(ReadError::TooManyColumns(2))
        );
        let fits = format!("ФИО{}\n", ";x".repeat(MAX_COLUMNS - 1));
        assert_eq!(
            read(fits.as_bytes(), None).map(|g| g.rows[0].len()),
            Ok(MAX_COLUMNS)
        );
        let mut grid = GridBuilder::default();
        assert_eq!(
            grid.put(4, MAX_COLUMNS as u32, "x".into()),
            Err(ReadError::TooManyColumns(5))
        );
    }

    #[test]
    fn csv_in_every_spelling() {
        let semicolons = "ФИО;Телефон\r\n\"Иванов; Иван\";8 912 345-67-89\r\n";
        let g = read(semicolons.as_bytes(), None).unwrap();
        assert_eq!(g.rows[1], vec!["Иванов; Иван", "8 912 345-67-89"]);

        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("Name,Phone\n\"Smith, John\",9123456789\n".as_bytes());
        let g = read(&bom, None).unwrap();
        assert_eq!(g.rows[0][0], "Name");
        assert_eq!(g.rows[1], vec!["Smith, John", "9123456789"]);

        let (cp1251, _, _) =
            encoding_rs::WINDOWS_1251.encode("Отдел\tТелефон\nСклад\t+79123456789\n");
        let g = read(&cp1251, None).unwrap();
        assert_eq!(g.rows[1], vec!["Склад", "+79123456789"]);

        let multiline = "ФИО;Должность\n\"Петров\";\"Главный\nинженер\"\n";
        let g = read(multiline.as_bytes(), None).unwrap();
        assert_eq!(g.rows[1][1], "Главный\nинженер");
    }

    #[test]
    fn a_title_line_does_not_fool_the_delimiter() {
        let text = "ООО «Ромашка», список на 01.03.2026\nФИО;Телефон;Отдел\nА;1;Б\nВ;2;Г\n";
        assert_eq!(sniff_delimiter(text), b';');
    }

    #[test]
    fn a_workbook_reads_by_cached_values_in_sheet_rows() {
        use rust_xlsxwriter::{Format, Formula, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Сотрудники").unwrap();
        sheet
            .merge_range(0, 0, 0, 2, "ООО «Ромашка»", &Format::new())
            .unwrap();
        sheet.write(2, 1, "ФИО").unwrap();
        sheet.write(2, 2, "Телефон").unwrap();
        sheet.write(2, 3, "Принят").unwrap();
        sheet.write(3, 1, "Иванов Иван").unwrap();
        sheet.write(3, 2, 79_123_456_789_f64).unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        sheet
            .write_with_format(3, 3, &date, &Format::new().set_num_format("dd.mm.yyyy"))
            .unwrap();
        sheet
            .write_formula(4, 2, Formula::new("=C4+1").set_result("79123456790"))
            .unwrap();
        book.add_worksheet().set_name("Второй").unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let g = read(&bytes, None).unwrap();
        assert_eq!(g.sheet, "Сотрудники");
        assert_eq!(g.sheets, vec!["Сотрудники", "Второй"]);
        assert_eq!(g.rows[0][0], "ООО «Ромашка»");
        assert!(g.rows[1].is_empty());
        assert_eq!(g.rows[2], vec!["", "ФИО", "Телефон", "Принят"]);
        assert_eq!(
            g.rows[3],
            vec!["", "Иванов Иван", "79123456789", "2026-03-01"]
        );
        assert_eq!(g.rows[4], vec!["", "", "79123456790"]);
        assert_eq!(read(&bytes, Some("Второй")).unwrap().sheet, "Второй");
        assert_eq!(
            read(&bytes, Some("Третий")),
            Err(ReadError::NoSuchSheet("Третий".into()))
        );
    }

    /// `tests/fixtures/roster.{ods,xls}` were written by LibreOffice Calc (see the README
    /// there): a merged title row, an empty row, numeric phones and personnel numbers, a
    /// totals row.
    #[test]
    fn books_written_by_libreoffice_read_as_typed() {
        for bytes in [
            &include_bytes!("../../tests/fixtures/roster.ods")[..],
            &include_bytes!("../../tests/fixtures/roster.xls")[..],
        ] {
            let g = read(bytes, None).unwrap();
            assert_eq!(
                g.rows[0][0],
                "ООО «Ромашка» — список сотрудников на 01.03.2026"
            );
            assert!(g.rows[1].iter().all(String::is_empty), "{:?}", g.rows[1]);
            assert_eq!(g.rows[2][..2], ["ФИО", "Телефон"]);
            assert_eq!(
                g.rows[3],
                vec![
                    "Иванов Иван Иванович",
                    "79160000001",
                    "Логистика / Склад Москва",
                    "42",
                    "Кладовщик",
                    "ivanov@example.ru"
                ]
            );
            assert_eq!(g.rows[4][1], "8 (916) 000-00-02");
            assert_eq!(g.rows[6][..2], ["", "9160000004"]);
            assert_eq!(g.rows[7][0], "Итого: 4");
            assert_eq!(g.rows.len(), 8);
        }
    }

    /// Inputs the fuzz target (`fuzz/`) crashed on, kept as regression cases.
    #[test]
    fn files_that_crashed_the_fuzzer_are_refused() {
        let xls_past_its_end = include_bytes!("../../tests/fixtures/fuzz/xls-sector-past-end.bin");
        assert_eq!(read(xls_past_its_end, None), Err(ReadError::Damaged));
        let xls_looping = include_bytes!("../../tests/fixtures/fuzz/xls-looping-chain.bin");
        assert_eq!(read(xls_looping, None), Err(ReadError::Damaged));
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert_eq!(read(b"  \n", None), Err(ReadError::Empty));
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert_eq!(read(&big, None), Err(ReadError::TooLarge));
        assert_eq!(read(b"PK\x03\x04garbage", None), Err(ReadError::Damaged));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(read(png, None), Err(ReadError::NotASpreadsheet));
        let mut encrypted = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(read(&encrypted, None), Err(ReadError::Encrypted));
    }

    /// A workbook with one part's text changed.
    fn edited(book: &[u8], part: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
        use std::io::Write;
        let mut from = zip::ZipArchive::new(Cursor::new(book)).unwrap();
        let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..from.len() {
            let mut entry = from.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut text = Vec::new();
            entry.read_to_end(&mut text).unwrap();
            if name == part {
                text = edit(std::str::from_utf8(&text).unwrap()).into_bytes();
            }
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            to.start_file(name, opts).unwrap();
            to.write_all(&text).unwrap();
        }
        to.finish().unwrap().into_inner()
    }

    #[test]
    fn far_apart_xlsx_cells_cost_what_they_hold() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write(0, 0, "ФИО").unwrap();
        sheet.write(99_999, 299, "x").unwrap();
        let g = read(&book.save_to_buffer().unwrap(), None).unwrap();
        assert_eq!(g.rows.len(), 100_000);
        assert_eq!(g.rows[99_999].len(), MAX_COLUMNS);
        assert!(g.rows[1..99_999].iter().all(Vec::is_empty));

        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write(0, 0, "ФИО").unwrap();
        sheet.write(1_048_575, 299, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(read(&bytes, None), Err(ReadError::TooManyRows));

        // Excel's last column is far past what a roster may have.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write(0, 0, "ФИО").unwrap();
        sheet.write(99_999, 16_383, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(read(&bytes, None), Err(ReadError::TooManyColumns(100_000)));
    }

    #[test]
    fn a_sheet_past_the_cell_cap_is_refused() {
        let mut grid = GridBuilder::default();
        for row in 0..MAX_CELLS / 250 {
            grid.put(row as u32, 249, "x".into()).unwrap();
        }
        assert_eq!(
            grid.put(MAX_CELLS as u32 / 250, 0, "x".into()),
            Err(ReadError::TooManyCells)
        );
    }

    /// calamine reserves room for the shared strings an XLSX declares: a declared count no part
    /// could hold is refused before it is asked for.
    #[test]
    fn an_impossible_count_of_shared_strings_is_refused() {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet().write(0, 0, "ФИО").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(read(&bytes, None).is_ok());
        let bomb = edited(&bytes, "xl/sharedStrings.xml", |xml| {
            xml.replace("uniqueCount=\"1\"", "uniqueCount=\"900000000000\"")
        });
        assert_ne!(bomb, bytes);
        assert_eq!(read(&bomb, None), Err(ReadError::Damaged));
    }

    /// calamine builds an XLS sheet from its first cell to its last when it opens the book:
    /// one cell moved to the sheet's far corner would ask for 65,536 × 256 cells.
    #[test]
    fn far_apart_xls_cells_are_refused() {
        let xls = include_bytes!("../../tests/fixtures/roster.xls");
        // The first LabelSst record (type 0x00FD, 10 bytes): its row and column.
        let at = xls
            .windows(4)
            .position(|w| w == [0xFD, 0x00, 0x0A, 0x00])
            .unwrap();
        let mut far = xls.to_vec();
        far[at + 4..at + 8].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0x00]);
        assert_eq!(read(&far, None), Err(ReadError::TooManyCells));
        far[at + 4..at + 8].copy_from_slice(&[0x10, 0x00, 0x08, 0x00]);
        assert!(read(&far, None).is_ok(), "a cell nearby is read");
    }

    #[test]
    fn a_password_protected_ods_is_named_so() {
        let ods = include_bytes!("../../tests/fixtures/roster.ods");
        let locked = edited(ods, "META-INF/manifest.xml", |xml| {
            let entry = "<manifest:file-entry manifest:full-path=\"content.xml\">\
                <manifest:encryption-data manifest:checksum-type=\"SHA1/1K\"/>\
                </manifest:file-entry>";
            xml.replace(
                "</manifest:manifest>",
                &format!("{entry}</manifest:manifest>"),
            )
        });
        // Its content is ciphertext: no XML to scan.
        let locked = edited(&locked, "content.xml", |_| "<a></b>".into());
        assert_ne!(&locked[..], &ods[..]);
        assert_eq!(read(&locked, None), Err(ReadError::Encrypted));
    }

    /// calamine expands an ODS's repeated rows and cells into a dense grid when it opens it.
    #[test]
    fn an_ods_whose_repeats_expand_past_the_cap_is_refused() {
        let ods = include_bytes!("../../tests/fixtures/roster.ods");
        let bomb = edited(ods, "content.xml", |xml| {
            let row = "<table:table-row table:number-rows-repeated=\"100000\">\
                <table:table-cell office:value-type=\"float\" office:value=\"1\" \
                table:number-columns-repeated=\"1000\"/></table:table-row>";
            xml.replacen("</table:table>", &format!("{row}</table:table>"), 1)
        });
        assert_ne!(&bomb[..], &ods[..]);
        assert_eq!(read(&bomb, None), Err(ReadError::TooManyCells));
    }

    #[test]
    fn a_zip_bomb_is_refused_from_its_directory() {
        use std::io::Write;
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..8 {
                zip.write_all(&zeros).unwrap();
            }
            zip.finish().unwrap();
        }
        let bytes = buf.into_inner();
        assert!(bytes.len() < 200 * 1024, "{} bytes packed", bytes.len());
        assert_eq!(read(&bytes, None), Err(ReadError::TooLarge));
    }
}

#[cfg(test)]
mod never_panics {
    use std::sync::LazyLock;

    use proptest::prelude::*;

    use crate::roster::read_and_check as digest;

    /// A real workbook to mutate.
    static WORKBOOK: LazyLock<Vec<u8>> = LazyLock::new(|| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let rows = [
            ["ФИО", "Телефон", "Подразделение"],
            ["Иванов Иван", "79160000001", "Логистика / Склад"],
            ["=HYPERLINK(\"x\")", "8 916 000-00-02", "@SUM(A1)"],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *v).expect("cell");
            }
        }
        book.save_to_buffer().expect("xlsx")
    });

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            digest(&bytes);
        }

        #[test]
        fn arbitrary_text(text in "\\PC{0,600}") {
            digest(text.as_bytes());
        }

        #[test]
        fn mutated_workbooks(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
                             cut in any::<usize>()) {
            let mut bytes = WORKBOOK.clone();
            for (at, value) in flips {
                let i = at % bytes.len();
                bytes[i] = value;
            }
            digest(&bytes);
            let keep = cut % WORKBOOK.len();
            digest(&WORKBOOK[..keep]);
        }
    }
}
