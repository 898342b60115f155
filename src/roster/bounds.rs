//! What calamine would allocate for a workbook, worked out from the file before calamine reads
//! it. calamine opens an XLS or ODS by building every sheet as a dense grid from its first to its
//! last cell, and reserves an XLSX's shared strings by the count the file declares: a file of a
//! few kilobytes can ask for gigabytes, and a failed allocation aborts the process. Each check
//! here reads only the file's structure and refuses what a roster cannot be.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use super::read::{MAX_CELLS, ReadError};

/// A spreadsheet's parts may unpack to at most this (a zip bomb unpacks to gigabytes).
const MAX_UNPACKED_BYTES: u64 = 300 * 1024 * 1024;
/// Parts a spreadsheet may have (a real one has dozens).
const MAX_ENTRIES: usize = 10_000;
/// How much a part may inflate (XML packs ~10–50 times; a bomb, thousands).
const MAX_RATIO: u64 = 250;
/// The smallest shared string an XLSX can hold, `<si/>`.
const MIN_SHARED_STRING_BYTES: u64 = 5;

/// The two zipped formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zipped {
    Xlsx,
    Ods,
}

/// Reads the zip directory (not the data): too many parts, too much unpacked, or a part that
/// inflates like a bomb is refused before anything is unpacked. Then tells XLSX from ODS, and
/// checks an XLSX's declared count of shared strings against the size of their part.
pub fn zipped(bytes: &[u8]) -> Result<Zipped, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::Damaged)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ReadError::TooLarge);
    }
    let mut total: u64 = 0;
    let mut shared_strings = Vec::new();
    let mut ods = false;
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(|_| ReadError::Damaged)?;
        let (size, packed) = (part.size(), part.compressed_size());
        if size > 1024 * 1024 && size / packed.max(1) > MAX_RATIO {
            return Err(ReadError::TooLarge);
        }
        total = total.saturating_add(size);
        let name = part
            .name()
            .map_err(|_| ReadError::Damaged)?
            .to_ascii_lowercase();
        if name.ends_with("sharedstrings.xml") {
            shared_strings.push(i);
        }
        ods |= name == "content.xml";
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(ReadError::TooLarge);
    }
    if ods && archive.index_for_name("[Content_Types].xml").is_none() {
        // A password-protected ODS names how its parts are encrypted in its manifest.
        if let Ok(mut manifest) = archive.by_name("META-INF/manifest.xml") {
            let mut text = Vec::new();
            manifest
                .read_to_end(&mut text)
                .map_err(|_| ReadError::Damaged)?;
            if text.windows(24).any(|w| w == b"manifest:encryption-data") {
                return Err(ReadError::Encrypted);
            }
        }
        let content = archive
            .by_name("content.xml")
            .map_err(|_| ReadError::Damaged)?;
        ods_tables_fit(content)?;
        return Ok(Zipped::Ods);
    }
    for i in shared_strings {
        let part = archive.by_index(i).map_err(|_| ReadError::Damaged)?;
        let most = part.size() / MIN_SHARED_STRING_BYTES;
        if declared_shared_strings(part)? > most {
            return Err(ReadError::Damaged);
        }
    }
    Ok(Zipped::Xlsx)
}

fn xml<R: Read>(part: R) -> quick_xml::Reader<std::io::BufReader<R>> {
    quick_xml::Reader::from_reader(std::io::BufReader::new(part))
}

/// The `uniqueCount` of an XLSX's `<sst>`, which calamine reserves room for.
fn declared_shared_strings<R: Read>(part: R) -> Result<u64, ReadError> {
    let mut reader = xml(part);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let count = attribute(&e, "uniqueCount");
                return Ok(count.map_or(0, |c| c.trim().parse().unwrap_or(0)));
            }
            Ok(Event::Eof) | Err(_) => return Ok(0),
            Ok(_) => buf.clear(),
        }
    }
}

fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.into_owned())
}

/// calamine's caps on an ODS table (it caps repeats there).
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;

/// The cells calamine would build for each table of an ODS: from the first to the last filled
/// row, repeats counted, by the columns from the first to the last filled cell.
fn ods_tables_fit<R: Read>(content: R) -> Result<(), ReadError> {
    let mut reader = xml(content);
    let mut buf = Vec::new();
    let mut table = Extent::default();
    let (mut row, mut row_repeats, mut col) = (0u64, 1u64, 0u64);
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|_| ReadError::Damaged)?;
        match &event {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "table:table" => {
                    table = Extent::default();
                    row = 0;
                }
                "table:table-row" => {
                    row_repeats = repeats(e, "table:number-rows-repeated")
                        .min(ODS_MAX_ROWS.saturating_sub(row));
                    col = 0;
                    if matches!(event, Event::Empty(_)) {
                        row += row_repeats;
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let n = repeats(e, "table:number-columns-repeated")
                        .min(ODS_MAX_COLUMNS.saturating_sub(col));
                    let filled = matches!(event, Event::Start(_)) || holds_a_value(e);
                    if n > 0 && row_repeats > 0 && filled {
                        table.take(row, row + row_repeats - 1, col, col + n - 1);
                        if table.cells() > MAX_CELLS as u64 {
                            return Err(ReadError::TooManyCells);
                        }
                    }
                    col += n;
                    if matches!(event, Event::Start(_)) {
                        reader
                            .read_to_end_into(e.name(), &mut Vec::new())
                            .map_err(|_| ReadError::Damaged)?;
                    }
                }
                _ => {}
            },
            Event::End(e) if e.name().as_ref() == "table:table-row" => row += row_repeats,
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn repeats(e: &BytesStart<'_>, key: &str) -> u64 {
    attribute(e, key).map_or(1, |v| v.trim().parse().unwrap_or(1))
}

/// A cell without content holds a value only by its attributes.
fn holds_a_value(e: &BytesStart<'_>) -> bool {
    e.attributes().flatten().any(|a| {
        let key = a.key.as_ref();
        key.starts_with("office:") || key == "table:formula"
    })
}

/// The rows and columns from a sheet's first filled cell to its last.
#[derive(Debug, Clone, Copy)]
struct Extent {
    rows: (u64, u64),
    cols: (u64, u64),
}

impl Default for Extent {
    fn default() -> Self {
        Extent {
            rows: (u64::MAX, 0),
            cols: (u64::MAX, 0),
        }
    }
}

impl Extent {
    fn take(&mut self, first_row: u64, last_row: u64, first_col: u64, last_col: u64) {
        self.rows = (self.rows.0.min(first_row), self.rows.1.max(last_row));
        self.cols = (self.cols.0.min(first_col), self.cols.1.max(last_col));
    }

    fn cells(&self) -> u64 {
        if self.rows.0 > self.rows.1 || self.cols.0 > self.cols.1 {
            return 0;
        }
        (self.rows.1 - self.rows.0 + 1).saturating_mul(self.cols.1 - self.cols.0 + 1)
    }
}

/// An XLS's workbook stream, taken out of its compound file by the `cfb` crate (which refuses
/// sector chains that loop or run past the file) and checked, then packed alone into a new
/// compound file for calamine: calamine reads exactly the records checked here, from a
/// container it cannot be misled by.
pub fn xls(bytes: &[u8]) -> Result<Vec<u8>, ReadError> {
    std::panic::catch_unwind(|| {
        let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
        let named = |name: &str| {
            file.walk()
                .find(|e| e.is_stream() && e.name().eq_ignore_ascii_case(name))
                .map(|e| e.path().to_owned())
        };
        let path = named("Workbook").or_else(|| named("Book"))?;
        let mut stream = Vec::new();
        file.open_stream(&path)
            .ok()?
            .take(bytes.len() as u64)
            .read_to_end(&mut stream)
            .ok()?;
        Some(stream)
    })
    .ok()
    .flatten()
    .ok_or(ReadError::Damaged)
    .and_then(|stream| {
        biff_sheets_fit(&stream)?;
        let mut book =
            cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
                .map_err(|_| ReadError::Damaged)?;
        let mut out = book
            .create_stream("Workbook")
            .map_err(|_| ReadError::Damaged)?;
        std::io::Write::write_all(&mut out, &stream).map_err(|_| ReadError::Damaged)?;
        drop(out);
        book.flush().map_err(|_| ReadError::Damaged)?;
        Ok(book.into_inner().into_inner())
    })
}

/// BIFF records: a type, a length and that many bytes.
fn records(mut stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let len = usize::from(u16::from_le_bytes(stream.get(2..4)?.try_into().ok()?));
        let typ = u16::from_le_bytes(stream.get(..2)?.try_into().ok()?);
        let data = stream.get(4..4 + len)?;
        stream = &stream[4 + len..];
        Some((typ, data))
    })
}

fn u16_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?).into())
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// Each sheet calamine would read (a `BoundSheet8` record points at it), walked as calamine
/// walks it: the box from its first to its last cell, and the room its `Dimensions` record
/// asks for, must each be at most `MAX_CELLS`.
fn biff_sheets_fit(stream: &[u8]) -> Result<(), ReadError> {
    const BOF: u16 = 0x0809;
    const EOF: u16 = 0x000A;
    const BOUND_SHEET: u16 = 0x0085;
    let sheets = records(stream)
        .take_while(|&(typ, _)| typ != EOF)
        .filter(|&(typ, _)| typ == BOUND_SHEET)
        .filter_map(|(_, data)| u32_at(data, 0));
    for pos in sheets {
        let Some(sheet) = stream.get(pos as usize..) else {
            continue;
        };
        let mut extent = Extent::default();
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (typ, data) in records(sheet) {
            if depth > 0 {
                match typ {
                    BOF => depth += 1,
                    EOF => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                BOF if seen_bof => depth += 1,
                BOF => seen_bof = true,
                EOF => break,
                0x0200 => dimensions_fit(data)?,
                // Number, Label, RString, BoolErr, RK, LabelSst, Formula: row, column.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                        extent.take(r.into(), r.into(), c.into(), c.into());
                    }
                }
                // MulRk: row, first column, …, last column.
                0x00BD => {
                    let last = data.len().saturating_sub(2);
                    if let (Some(r), Some(first), Some(l)) =
                        (u16_at(data, 0), u16_at(data, 2), u16_at(data, last))
                    {
                        extent.take(r.into(), r.into(), first.into(), l.into());
                    }
                }
                _ => {}
            }
            if extent.cells() > MAX_CELLS as u64 {
                return Err(ReadError::TooManyCells);
            }
        }
    }
    Ok(())
}

/// The room calamine reserves for a `Dimensions` record, worked out with its arithmetic (a
/// last row before the first wraps around to billions).
fn dimensions_fit(data: &[u8]) -> Result<(), ReadError> {
    let (first_row, rows_end, first_col, cols_end) = match data.len() {
        10 => (
            u16_at(data, 0),
            u16_at(data, 2),
            u16_at(data, 4),
            u16_at(data, 6),
        ),
        14 | 16 => (
            u32_at(data, 0),
            u32_at(data, 4),
            u16_at(data, 8),
            u16_at(data, 10),
        ),
        _ => return Ok(()),
    };
    let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = (first_row, rows_end, first_col, cols_end)
    else {
        return Ok(());
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    let (last_row, last_col) = if rl >= 1 && cl >= 1 {
        (rl - 1, cl - 1)
    } else {
        (rf, cf)
    };
    let rows = last_row.wrapping_sub(rf).wrapping_add(1) as usize;
    let cols = last_col.wrapping_sub(cf).wrapping_add(1) as usize;
    if rows.saturating_mul(cols) > MAX_CELLS {
        return Err(ReadError::TooManyCells);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend((data.len() as u16).to_le_bytes());
        r.extend(data);
        r
    }

    fn cell(row: u16, col: u16) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend(col.to_le_bytes());
        data.extend([0; 10]);
        record(0x0203, &data)
    }

    /// A workbook stream: globals pointing at one sheet, then the sheet.
    fn stream(sheet: &[Vec<u8>]) -> Vec<u8> {
        let bof = record(0x0809, &[0; 16]);
        let eof = record(0x000A, &[]);
        let globals_len = bof.len() + 4 + 8 + eof.len();
        let mut s = bof.clone();
        let mut bound = (globals_len as u32).to_le_bytes().to_vec();
        bound.extend([0, 0, 1, 0]);
        s.extend(record(0x0085, &bound));
        s.extend(&eof);
        s.extend(&bof);
        sheet.iter().for_each(|r| s.extend(r));
        s.extend(&eof);
        s
    }

    #[test]
    fn far_apart_cells_are_refused_before_a_grid_is_built() {
        assert_eq!(
            biff_sheets_fit(&stream(&[cell(0, 0), cell(2000, 20)])),
            Ok(())
        );
        assert_eq!(
            biff_sheets_fit(&stream(&[cell(0, 0), cell(65_535, 255)])),
            Err(ReadError::TooManyCells)
        );
    }

    #[test]
    fn a_dimensions_record_that_wraps_around_is_refused() {
        let mut dims = 100u32.to_le_bytes().to_vec();
        dims.extend(50u32.to_le_bytes());
        dims.extend([0, 0, 1, 0, 0, 0]);
        assert_eq!(
            biff_sheets_fit(&stream(&[record(0x0200, &dims)])),
            Err(ReadError::TooManyCells)
        );
    }

    #[test]
    fn repeated_ods_cells_count_as_calamine_expands_them() {
        let table = |rows: &str| {
            format!(
                r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="A">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
            )
        };
        let styled_but_empty = table(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>ФИО</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16000"/></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        );
        assert_eq!(ods_tables_fit(styled_but_empty.as_bytes()), Ok(()));
        let filled = table(
            r#"<table:table-row table:number-rows-repeated="100000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>"#,
        );
        assert_eq!(
            ods_tables_fit(filled.as_bytes()),
            Err(ReadError::TooManyCells)
        );
        // Rows repeated no times, and rows without cells, are counted without tripping up.
        let odd = table(
            r#"<table:table-row table:number-rows-repeated="0"><table:table-cell office:value="1"/></table:table-row><table:table-row table:number-rows-repeated="2000000"/><table:table-row><table:table-cell office:value="1"/></table:table-row>"#,
        );
        assert_eq!(ods_tables_fit(odd.as_bytes()), Ok(()));
    }
}
