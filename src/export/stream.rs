//! Tables written row by row: an XLSX sheet in rust_xlsxwriter's constant-memory mode (each row
//! goes to a temporary file as it is written, so a million rows cost what one does) and CSV into
//! any writer. What a database stream of rows feeds; [`super::to_xlsx`] and [`super::to_csv`]
//! write a table held in memory through the same code.

use std::io::Write;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::{Cell, Encoding, fits_a_cell, guarded, rubles, starts_like_formula};

/// Excel's last row (0-based): a sheet holds 1,048,576 rows.
pub const MAX_ROW: u32 = 1_048_575;

/// What a sheet is, before its rows: its name, the lines above the header (what the file holds,
/// of whom, when, filtered how), the header and the column widths in characters (a missing one
/// fits its header).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub title: Vec<String>,
    pub headers: Vec<String>,
    pub widths: Vec<f64>,
}

/// The cell formats a sheet uses.
struct Formats {
    bold: Format,
    money: Format,
    money_bold: Format,
    quoted: Format,
}

/// An XLSX workbook of one sheet, written a row at a time.
pub struct XlsxStream {
    book: Workbook,
    formats: Formats,
    /// The header's row.
    head: u32,
    /// The next row to write.
    next: u32,
    columns: u16,
    filtered: bool,
}

impl XlsxStream {
    /// Starts the sheet: its title lines, then an empty row and the bold, frozen header.
    pub fn new(sheet: &Sheet) -> Result<Self, XlsxError> {
        let mut book = Workbook::new();
        let formats = Formats {
            bold: Format::new().set_bold(),
            money: Format::new().set_num_format("#,##0.00"),
            money_bold: Format::new().set_num_format("#,##0.00").set_bold(),
            quoted: Format::new().set_quote_prefix(),
        };
        let ws = book.add_worksheet_with_constant_memory()?;
        ws.set_name(&sheet.name)?;
        let heading = Format::new().set_bold().set_font_size(13);
        for (r, line) in sheet.title.iter().enumerate() {
            if r == 0 {
                ws.write_string_with_format(0, 0, fits_a_cell(line), &heading)?;
            } else {
                ws.write_string(r as u32, 0, fits_a_cell(line))?;
            }
        }
        let head = if sheet.title.is_empty() {
            0
        } else {
            sheet.title.len() as u32 + 1
        };
        for (c, h) in sheet.headers.iter().enumerate() {
            let col = c as u16;
            ws.write_string_with_format(head, col, h, &formats.bold)?;
            let fit = (h.chars().count() as f64 + 4.0).max(14.0);
            ws.set_column_width(col, sheet.widths.get(c).copied().unwrap_or(fit))?;
        }
        ws.set_freeze_panes(head + 1, 0)?;
        Ok(Self {
            book,
            formats,
            head,
            next: head + 1,
            columns: sheet.headers.len() as u16,
            filtered: !sheet.title.is_empty(),
        })
    }

    /// Rows written so far, the header and title not counted.
    pub fn rows(&self) -> u32 {
        self.next - self.head - 1
    }

    /// Writes the next row; past Excel's last row it is refused, never dropped.
    pub fn row(&mut self, row: &[Cell]) -> Result<(), XlsxError> {
        self.write(row, false)
    }

    fn write(&mut self, row: &[Cell], strong: bool) -> Result<(), XlsxError> {
        if self.next > MAX_ROW {
            return Err(XlsxError::RowColumnLimitError);
        }
        let r = self.next;
        let f = &self.formats;
        let ws = self.book.worksheet_from_index(0)?;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) | Cell::Phone { shown: t, .. } if starts_like_formula(t) => {
                    ws.write_string_with_format(r, c, fits_a_cell(t), &f.quoted)?;
                }
                Cell::Text(t) | Cell::Phone { shown: t, .. } if strong => {
                    ws.write_string_with_format(r, c, fits_a_cell(t), &f.bold)?;
                }
                Cell::Text(t) | Cell::Phone { shown: t, .. } => {
                    ws.write_string(r, c, fits_a_cell(t))?;
                }
                Cell::Money(k) => {
                    let format = if strong { &f.money_bold } else { &f.money };
                    ws.write_with_format(r, c, rubles(*k), format)?;
                }
                Cell::Int(i) => {
                    ws.write(r, c, *i)?;
                }
                Cell::Empty => {}
            }
        }
        self.next += 1;
        Ok(())
    }

    /// The workbook's bytes, with a bold totals row under the rows if given and, on a sheet
    /// with a title, an autofilter over the header and the rows.
    pub fn finish(mut self, totals: Option<&[Cell]>) -> Result<Vec<u8>, XlsxError> {
        let last = self.next - 1;
        if let Some(totals) = totals {
            self.write(totals, true)?;
        }
        if self.filtered {
            let (head, columns) = (self.head, self.columns);
            self.book.worksheet_from_index(0)?.autofilter(
                head,
                0,
                last,
                columns.saturating_sub(1),
            )?;
        }
        self.book.save_to_buffer()
    }
}

/// A CSV file written a row at a time: `;`-separated (Excel's separator where the decimal mark
/// is a comma), money with a decimal comma, CRLF line ends, in UTF-8 with a byte-order mark or
/// in Windows-1251; every text cell through [`guarded`], phone numbers as their 11 digits.
pub struct CsvStream<W: Write> {
    csv: csv::Writer<Encoded<W>>,
}

impl<W: Write> CsvStream<W> {
    /// Starts the file with its header.
    pub fn new(mut out: W, encoding: Encoding, headers: &[String]) -> std::io::Result<Self> {
        if encoding == Encoding::Utf8Bom {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        let encoded = Encoded {
            out,
            cp1251: encoding == Encoding::Cp1251,
            pending: Vec::new(),
        };
        let csv = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(encoded);
        let mut stream = Self { csv };
        let header: Vec<Cell> = headers.iter().map(|h| Cell::Text(h.clone())).collect();
        stream.row(&header)?;
        Ok(stream)
    }

    pub fn row(&mut self, row: &[Cell]) -> std::io::Result<()> {
        Ok(self.csv.write_record(row.iter().map(csv_text))?)
    }

    /// The writer, everything written to it.
    pub fn finish(self) -> std::io::Result<W> {
        let mut encoded = self.csv.into_inner().map_err(|e| e.into_error())?;
        encoded.flush()?;
        Ok(encoded.out)
    }
}

/// UTF-8 on its way out, re-encoded to Windows-1251 where asked (a character cut between two
/// writes waits for its other bytes).
struct Encoded<W> {
    out: W,
    cp1251: bool,
    pending: Vec<u8>,
}

impl<W: Write> Write for Encoded<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.cp1251 {
            return self.out.write(buf);
        }
        self.pending.extend_from_slice(buf);
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = String::from_utf8_lossy(&self.pending[..whole]);
        self.out.write_all(&super::cp1251(&text))?;
        self.pending.drain(..whole);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

fn csv_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => guarded(t).into_owned(),
        Cell::Phone { digits, .. } if digits.bytes().all(|b| b.is_ascii_digit()) => digits.clone(),
        Cell::Phone { digits, .. } => guarded(digits).into_owned(),
        Cell::Money(k) => format!("{:.2}", rubles(*k)).replace('.', ","),
        Cell::Int(i) => i.to_string(),
        Cell::Empty => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sheet past what fits in memory as cells is written row by row; the file reads back
    /// whole, its last row included.
    #[test]
    fn a_large_sheet_is_written_row_by_row() {
        let sheet = Sheet {
            name: "Номера".into(),
            title: vec!["ООО «Ромашка»".into()],
            headers: vec!["Номер".into(), "Сумма".into()],
            widths: vec![],
        };
        let mut xlsx = XlsxStream::new(&sheet).expect("sheet");
        for i in 0..50_000i64 {
            xlsx.row(&[Cell::Text(format!("+7 916 {i:07}")), Cell::Money(i)])
                .expect("row");
        }
        assert_eq!(xlsx.rows(), 50_000);
        let bytes = xlsx
            .finish(Some(&[Cell::Empty, Cell::Money(1)]))
            .expect("file");
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("xlsx");
        let range = book.worksheet_range("Номера").expect("sheet");
        // The title, an empty row, the header, the rows, the totals.
        assert_eq!(range.height(), 2 + 1 + 50_000 + 1);
        let last = range.rows().nth(2 + 50_000).expect("last row");
        assert_eq!(last[0].to_string(), "+7 916 0049999");
    }

    #[test]
    fn a_sheet_past_excels_last_row_refuses_the_next() {
        let mut xlsx = XlsxStream::new(&Sheet {
            name: "x".into(),
            headers: vec!["a".into()],
            ..Sheet::default()
        })
        .expect("sheet");
        xlsx.next = MAX_ROW + 1;
        assert!(xlsx.row(&[Cell::Int(1)]).is_err());
    }

    #[test]
    fn csv_rows_stream_into_a_writer() {
        let mut csv = CsvStream::new(Vec::new(), Encoding::Cp1251, &["ФИО".into()]).expect("csv");
        csv.row(&[Cell::Text("=1+1".into())]).expect("row");
        csv.row(&[Cell::Phone {
            shown: "+7 916 500-00-10".into(),
            digits: "79165000010".into(),
        }])
        .expect("row");
        let bytes = csv.finish().expect("done");
        let (text, _, _) = encoding_rs::WINDOWS_1251.decode(&bytes);
        assert_eq!(text, "ФИО\r\n'=1+1\r\n79165000010\r\n");
    }
}
