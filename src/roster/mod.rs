//! Roster files: reading a spreadsheet or CSV into text cells (`read`), finding the header row
//! and what each column holds (`columns`), and turning rows into checked roster rows with every
//! problem pointed at its row and column (`rows`). No database here: the import use case
//! (`services::roster`) compares the rows with the company's records.

pub mod columns;
pub mod read;
pub mod rows;
pub mod template;
