//! Workbook sheets read lately, kept a little while by this process. One import reads its file
//! three times within a minute: the upload checks it, the preview shows it, the commit checks it
//! is still what the preview showed. The stored file cannot change, so the second and third read
//! take the sheet kept by the first (100,000 rows: 0.25 s of XLSX each). A file is known by its
//! content's hash and the sheet asked for, so it is the same file whatever database or upload it
//! came from; a process that never saw it reads it. CSV is not kept: it reads in a tenth of the
//! time, and a kept sheet costs memory (100,000 rows: about 30 MB).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::read::{self, Grid, ReadError};

/// Sheets kept: enough for a few admins importing at once.
const KEPT: usize = 2;
/// The largest sheet kept, in cells: a 100,000-row roster of ten columns. A larger one (the
/// reader takes up to 5,000,000 cells) would hold hundreds of megabytes for minutes; it is read
/// each time instead.
const KEPT_CELLS: usize = 1_000_000;
/// How long a sheet is kept after it was last asked for.
const KEPT_FOR: Duration = Duration::from_secs(15 * 60);

struct Kept {
    key: [u8; 32],
    grid: Arc<Grid>,
    used: Instant,
}

static KEPT_SHEETS: Mutex<Vec<Kept>> = Mutex::new(Vec::new());

/// The sheet (the first, or the one named) as `read::read` reads it, kept for the next ask.
pub fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Arc<Grid>, ReadError> {
    if !read::is_workbook(bytes) {
        return read::read(bytes, sheet).map(Arc::new);
    }
    let key = key(bytes, sheet);
    if let Some(grid) = kept(&key, Instant::now()) {
        return Ok(grid);
    }
    // Read outside the lock: other imports go on meanwhile.
    let grid = Arc::new(read::read(bytes, sheet)?);
    keep(key, &grid, Instant::now());
    Ok(grid)
}

/// The sheet kept under `key`, if it still is.
fn kept(key: &[u8; 32], now: Instant) -> Option<Arc<Grid>> {
    let mut kept = lock();
    kept.retain(|k| now.duration_since(k.used) < KEPT_FOR);
    let k = kept.iter_mut().find(|k| k.key == *key)?;
    k.used = now;
    Some(Arc::clone(&k.grid))
}

/// Keeps a sheet no larger than `KEPT_CELLS`, in place of the one asked for longest ago.
fn keep(key: [u8; 32], grid: &Arc<Grid>, now: Instant) {
    if cells(grid) > KEPT_CELLS {
        return;
    }
    let mut kept = lock();
    if kept.iter().any(|k| k.key == key) {
        return;
    }
    if kept.len() >= KEPT
        && let Some(oldest) = (0..kept.len()).min_by_key(|&i| kept[i].used)
    {
        kept.swap_remove(oldest);
    }
    kept.push(Kept {
        key,
        grid: Arc::clone(grid),
        used: now,
    });
}

fn cells(grid: &Grid) -> usize {
    grid.rows.iter().map(Vec::len).sum()
}

fn lock() -> std::sync::MutexGuard<'static, Vec<Kept>> {
    // The list is whole after any panic: entries are pushed and removed, never half-written.
    KEPT_SHEETS.lock().unwrap_or_else(|e| e.into_inner())
}

fn key(bytes: &[u8], sheet: Option<&str>) -> [u8; 32] {
    let mut h = Sha256::new();
    match sheet {
        // The length first: no sheet name and file can be confused with another pair.
        Some(s) => {
            h.update([1]);
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
        None => h.update([0]),
    }
    h.update(bytes);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook whose sheets «Сотрудники» and «Архив» each hold a header and `name`.
    fn book(name: &str) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        for title in ["Сотрудники", "Архив"] {
            let sheet = book.add_worksheet().set_name(title).expect("name");
            sheet.write_string(0, 0, "ФИО").expect("cell");
            sheet
                .write_string(1, 0, format!("{name} ({title})"))
                .expect("cell");
        }
        book.save_to_buffer().expect("xlsx")
    }

    #[test]
    fn the_same_workbook_is_read_once_and_each_sheet_is_its_own() {
        let file = &book("Иванов Иван")[..];
        let first = read(file, None).expect("read");
        let again = read(file, None).expect("read");
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second read takes the kept sheet"
        );
        assert_eq!(*first, read::read(file, None).expect("read"));
        assert_eq!(first.sheet, "Сотрудники");

        let archive = read(file, Some("Архив")).expect("read");
        assert_eq!(*archive, read::read(file, Some("Архив")).expect("read"));
        assert_ne!(*first, *archive);
        let other = read(&book("Петров Пётр"), None).expect("read");
        assert_ne!(*first, *other);
    }

    #[test]
    fn a_sheet_past_the_kept_size_is_not_kept() {
        let row = vec![String::new(); 10];
        let grid = Arc::new(Grid {
            rows: vec![row; KEPT_CELLS / 10 + 1],
            ..Grid::default()
        });
        let key = [7; 32];
        keep(key, &grid, Instant::now());
        assert!(kept(&key, Instant::now()).is_none());
    }

    #[test]
    fn csv_is_read_each_time() {
        let file = "ФИО;Телефон\nИванов Иван;+79161234567\n".as_bytes();
        let first = read(file, None).expect("read");
        assert!(!Arc::ptr_eq(&first, &read(file, None).expect("read")));
    }

    #[test]
    fn a_file_that_does_not_read_is_refused_every_time() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(read(png, None).is_err());
        assert!(read(png, None).is_err());
    }
}
