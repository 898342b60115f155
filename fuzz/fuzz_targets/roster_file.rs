//! Any bytes as an uploaded roster: read (XLSX/XLS/ODS/CSV), header found, rows checked.
//! A crash is a bug; a refusal is an answer.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    simfleet::roster::read_and_check(bytes);
});
