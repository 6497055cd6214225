//! Numbers of penalty files and of the documents they issue.
//!
//! A document number follows the form of Chinese administrative instruments: the issuing
//! agency's short name, the document's character (字) and the year in 〔〕, then the sequence:
//! `市南综执罚决字〔2026〕第12号`. The sequence restarts each year and counts per agency and
//! kind; the store keeps the counters, so there is no table of years to run out. A file number
//! is `ZF` + the district code + the date + a 5-digit daily sequence.
//!
//! The short name is derived by cityops (the district's name without its 区/市 suffix, plus
//! 综执 for 综合行政执法局); Qingdao's own agencies' prefixes are not public here.

use chrono::{Datelike, NaiveDate};
use cityops_api::DocKind;

/// The agency's short name in document numbers for a district (`市南区` → `市南综执`); the city
/// bureau (no district) is `青城管`.
pub fn agency_prefix(district_name: Option<&str>) -> String {
    match district_name {
        Some(name) => {
            let short = name.strip_suffix('区').or_else(|| name.strip_suffix('市')).unwrap_or(name);
            format!("{short}综执")
        }
        None => "青城管".to_owned(),
    }
}

/// A document number: `{prefix}{字}字〔{year}〕第{seq}号`.
pub fn doc_number(prefix: &str, kind: DocKind, year: i32, seq: u64) -> String {
    format!("{prefix}{}字〔{year}〕第{seq}号", kind.word())
}

/// The counter a document's sequence is drawn from (one per agency, kind and year).
pub fn doc_counter(prefix: &str, kind: DocKind, year: i32) -> String {
    format!("doc:{prefix}:{}:{year}", kind.slug())
}

/// A file number: `ZF` + district code + `YYYYMMDD` + 5-digit sequence of the day.
pub fn file_number(district_code: &str, day: NaiveDate, seq: u64) -> String {
    format!("ZF{district_code}{:04}{:02}{:02}{seq:05}", day.year(), day.month(), day.day())
}

/// The counter a file number's sequence is drawn from (one per district and day).
pub fn file_counter(district_code: &str, day: NaiveDate) -> String {
    format!("file:{district_code}:{day}")
}
