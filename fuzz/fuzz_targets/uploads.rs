//! Uploaded bytes and their file names: the content sniffer (PDF, PNG, JPEG, OOXML by the zip
//! central directory) and the name cleaner must refuse or accept, never panic or loop.
#![no_main]
use gongyi::domain::upload::{clean_name, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data);
    let name = String::from_utf8_lossy(&data[..data.len().min(300)]);
    let cleaned = clean_name(&name);
    assert!(!cleaned.contains('/') && !cleaned.contains('\\'), "{cleaned:?}");
});
