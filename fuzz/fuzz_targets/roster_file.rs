//! Any bytes as an uploaded roster: read (XLSX/XLS/ODS/CSV), header found, rows checked.
//! A crash is a bug; a refusal is an answer.
#![no_main]

use std::sync::Once;

static QUIET: Once = Once::new();

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    // The reader catches calamine's panics on damaged books and refuses the file; libFuzzer's
    // hook would abort on those too. A panic that escapes the reader still fails the run.
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    simfleet::roster::read_and_check(bytes);
});
