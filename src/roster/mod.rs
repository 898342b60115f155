//! Roster files: reading a spreadsheet or CSV into text cells (`read`, with the sheets read
//! lately kept by `recent`), finding the header row and what each column holds (`columns`), and
//! turning rows into checked roster rows with every problem pointed at its row and column
//! (`rows`); the company's records as the plan sees them (`snapshot`, read by the store). No
//! database here: the import use case (`services::roster`) compares the rows with those records.

mod bounds;
pub mod columns;
pub mod read;
pub mod recent;
pub mod rows;
pub mod snapshot;
pub mod template;

/// Reads a file, finds its header and checks its rows, keeping nothing: what the fuzz target
/// (`fuzz/`) and the never-panics property test run on arbitrary bytes. Whatever the bytes,
/// an answer, never a panic.
pub fn read_and_check(bytes: &[u8]) {
    if let Ok(grid) = read::read(bytes, None)
        && let Some(layout) = columns::layout(&grid.rows, &[])
    {
        let _ = rows::parse(&grid.rows, &layout);
    }
}
