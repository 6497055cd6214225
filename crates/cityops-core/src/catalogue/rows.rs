//! Parsing and row-level validation of the catalogue's CSV sources. Builds plain rows; cross-file
//! checks (mapping targets, standards) happen in the parent module.

use std::collections::HashMap;

use cityops_api::{TypeKey, TypeKind};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::{CatalogueError, Result, SourceFile};
use super::{LegacyConfidence, MappingMatch, key_label};

/// Reads every data row of a CSV file, deserialised into `T`, with its 1-based line number.
fn read_rows<T: DeserializeOwned>(file: SourceFile, text: &str) -> Result<Vec<(u64, T)>> {
    let syntax = |err: csv::Error| CatalogueError::Syntax {
        file,
        line: err.position().map_or(0, csv::Position::line),
        message: err.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(syntax)?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(syntax)?;
        let line = record.position().map_or(0, csv::Position::line);
        let row = record.deserialize::<T>(Some(&headers)).map_err(|err| {
            let message = match err.kind() {
                csv::ErrorKind::Deserialize { err: de, .. } => {
                    match de.field().and_then(|i| headers.get(usize::try_from(i).ok()?)) {
                        Some(name) => format!("field `{name}`: {}", de.kind()),
                        None => de.kind().to_string(),
                    }
                }
                _ => err.to_string(),
            };
            CatalogueError::Syntax { file, line, message }
        })?;
        rows.push((line, row));
    }
    Ok(rows)
}

/// Parses a snake_case word into an enum, naming the field when it is not one of the variants.
fn word<T: DeserializeOwned>(file: SourceFile, line: u64, field: &'static str, value: &str) -> Result<T> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value))
        .map_err(|err| CatalogueError::Syntax { file, line, message: format!("field `{field}`: {err}") })
}

/// Checks that `value` is `width` ASCII digits.
pub(super) fn check_digits(
    file: SourceFile,
    line: u64,
    field: &'static str,
    value: &str,
    width: usize,
    expected: &'static str,
) -> Result<()> {
    if value.len() == width && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CatalogueError::BadCode { file, line, field, value: value.to_owned(), expected })
    }
}

fn check_not_empty(file: SourceFile, line: u64, field: &'static str, value: &str) -> Result<()> {
    if value.is_empty() { Err(CatalogueError::MissingField { file, line, field }) } else { Ok(()) }
}

/// Remembers the first line of each key and reports a second occurrence.
pub(super) struct Seen<K> {
    file: SourceFile,
    first: HashMap<K, u64>,
}

impl<K: std::hash::Hash + Eq> Seen<K> {
    pub(super) fn new(file: SourceFile) -> Self {
        Self { file, first: HashMap::new() }
    }

    pub(super) fn insert(&mut self, key: K, line: u64, label: impl FnOnce() -> String) -> Result<()> {
        match self.first.get(&key) {
            Some(&first_line) => {
                Err(CatalogueError::Duplicate { file: self.file, line, key: label(), first_line })
            }
            None => {
                self.first.insert(key, line);
                Ok(())
            }
        }
    }
}

/// Checks that every row of a class carries the same class name.
struct ClassNames {
    file: SourceFile,
    names: HashMap<(TypeKind, String), String>,
}

impl ClassNames {
    fn new(file: SourceFile) -> Self {
        Self { file, names: HashMap::new() }
    }

    fn check(
        &mut self,
        line: u64,
        kind: TypeKind,
        code: &str,
        class_code: &str,
        class_name: &str,
    ) -> Result<()> {
        let file = self.file;
        check_digits(file, line, "class_code", class_code, 2, "a 2-digit class code")?;
        if !code.starts_with(class_code) {
            return Err(CatalogueError::BadValue {
                file,
                line,
                field: "class_code",
                value: class_code.to_owned(),
                reason: "the code does not start with its class code",
            });
        }
        check_not_empty(file, line, "class_name", class_name)?;
        let known = self.names.entry((kind, class_code.to_owned())).or_insert_with(|| class_name.to_owned());
        if known != class_name {
            return Err(CatalogueError::BadValue {
                file,
                line,
                field: "class_name",
                value: class_name.to_owned(),
                reason: "differs from the name given to this class on an earlier row",
            });
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
struct RawTypeRow {
    kind: String,
    code: String,
    class_code: String,
    class_name: String,
    name: String,
}

/// A row of the GB/T 47678.5 type directory.
#[derive(Debug)]
pub(super) struct TypeRow {
    pub kind: TypeKind,
    pub code: String,
    pub class_code: String,
    pub class_name: String,
    pub name: String,
}

/// Parses the GB/T 47678.5 type directory.
pub(super) fn types(text: &str) -> Result<Vec<(u64, TypeRow)>> {
    let file = SourceFile::Types;
    let mut rows = Vec::new();
    let mut seen = Seen::new(file);
    let mut classes = ClassNames::new(file);
    for (line, raw) in read_rows::<RawTypeRow>(file, text)? {
        let row = TypeRow {
            kind: word(file, line, "kind", &raw.kind)?,
            code: raw.code,
            class_code: raw.class_code,
            class_name: raw.class_name,
            name: raw.name,
        };
        check_digits(file, line, "code", &row.code, 5, "a 5-digit GB/T 47678.5 code")?;
        classes.check(line, row.kind, &row.code, &row.class_code, &row.class_name)?;
        check_not_empty(file, line, "name", &row.name)?;
        seen.insert((row.kind, row.code.clone()), line, || key_label(row.kind, &row.code))?;
        rows.push((line, row));
    }
    Ok(rows)
}

#[derive(Debug, Deserialize)]
struct RawLegacyRow {
    kind: String,
    legacy_code: String,
    legacy_name: String,
    #[serde(default)]
    new_code: Option<String>,
    confidence: String,
}

/// A row of the legacy GB/T 30428.2 mapping.
#[derive(Debug)]
pub(super) struct LegacyRow {
    pub kind: TypeKind,
    pub legacy_code: String,
    pub legacy_name: String,
    pub new_code: Option<String>,
    pub confidence: LegacyConfidence,
}

/// Parses the legacy mapping (targets are checked by the caller).
pub(super) fn legacy(text: &str) -> Result<Vec<(u64, LegacyRow)>> {
    let file = SourceFile::Legacy;
    let mut rows = Vec::new();
    let mut seen = Seen::new(file);
    for (line, raw) in read_rows::<RawLegacyRow>(file, text)? {
        let mut row = LegacyRow {
            kind: word(file, line, "kind", &raw.kind)?,
            legacy_code: raw.legacy_code,
            legacy_name: raw.legacy_name,
            new_code: raw.new_code,
            confidence: word(file, line, "confidence", &raw.confidence)?,
        };
        check_digits(file, line, "legacy_code", &row.legacy_code, 4, "a 4-digit GB/T 30428.2 code")?;
        check_not_empty(file, line, "legacy_name", &row.legacy_name)?;
        if row.new_code.as_deref() == Some("") {
            row.new_code = None;
        }
        if let Some(code) = &row.new_code {
            check_digits(file, line, "new_code", code, 5, "a 5-digit GB/T 47678.5 code")?;
        }
        seen.insert((row.kind, row.legacy_code.clone()), line, || {
            format!("legacy {}", key_label(row.kind, &row.legacy_code))
        })?;
        rows.push((line, row));
    }
    Ok(rows)
}

#[derive(Debug, Deserialize)]
struct RawLocalRow {
    kind: String,
    code: String,
    class_code: String,
    class_name: String,
    name: String,
    standard_kind: String,
    standard_code: String,
    #[serde(rename = "match")]
    mapping: String,
    video_ai: bool,
    derived: bool,
}

/// A row of Qingdao's local type list.
#[derive(Debug)]
pub(super) struct LocalRow {
    pub kind: TypeKind,
    pub code: String,
    pub class_code: String,
    pub class_name: String,
    pub name: String,
    pub standard_kind: TypeKind,
    pub standard_code: String,
    pub mapping: MappingMatch,
    pub video_ai: bool,
    pub derived: bool,
}

impl LocalRow {
    pub fn key(&self) -> TypeKey {
        TypeKey { kind: self.kind, code: self.code.clone() }
    }

    pub fn standard_key(&self) -> TypeKey {
        TypeKey { kind: self.standard_kind, code: self.standard_code.clone() }
    }
}

/// Parses the local list (mapping targets are checked by the caller).
pub(super) fn local(text: &str) -> Result<Vec<(u64, LocalRow)>> {
    let file = SourceFile::Local;
    let mut rows = Vec::new();
    let mut seen = Seen::new(file);
    let mut classes = ClassNames::new(file);
    for (line, raw) in read_rows::<RawLocalRow>(file, text)? {
        let row = LocalRow {
            kind: word(file, line, "kind", &raw.kind)?,
            code: raw.code,
            class_code: raw.class_code,
            class_name: raw.class_name,
            name: raw.name,
            standard_kind: word(file, line, "standard_kind", &raw.standard_kind)?,
            standard_code: raw.standard_code,
            mapping: word(file, line, "match", &raw.mapping)?,
            video_ai: raw.video_ai,
            derived: raw.derived,
        };
        check_digits(
            file,
            line,
            "code",
            &row.code,
            4,
            "a 4-digit local code (2-digit class + 2-digit type)",
        )?;
        classes.check(line, row.kind, &row.code, &row.class_code, &row.class_name)?;
        check_not_empty(file, line, "name", &row.name)?;
        check_digits(file, line, "standard_code", &row.standard_code, 5, "a 5-digit GB/T 47678.5 code")?;
        seen.insert((row.kind, row.code.clone()), line, || {
            format!("local {}", key_label(row.kind, &row.code))
        })?;
        rows.push((line, row));
    }
    Ok(rows)
}

/// Level of a department in departments.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum DepartmentLevel {
    City,
    District,
}

/// The part of a departments.csv row the catalogue needs.
#[derive(Debug, Deserialize)]
struct RawDepartmentRow {
    code: String,
    level: String,
    functions: String,
}

/// What the catalogue knows about departments: level and functions, by code.
pub(super) struct Departments {
    pub by_code: HashMap<String, (DepartmentLevel, Vec<String>)>,
}

/// Parses departments.csv.
pub(super) fn departments(text: &str) -> Result<Departments> {
    let file = SourceFile::Departments;
    let mut seen = Seen::new(file);
    let mut by_code = HashMap::new();
    for (line, row) in read_rows::<RawDepartmentRow>(file, text)? {
        let level: DepartmentLevel = word(file, line, "level", &row.level)?;
        check_not_empty(file, line, "code", &row.code)?;
        seen.insert(row.code.clone(), line, || format!("department {}", row.code))?;
        let functions =
            row.functions.split(';').map(str::trim).filter(|f| !f.is_empty()).map(str::to_owned).collect();
        by_code.insert(row.code, (level, functions));
    }
    Ok(Departments { by_code })
}
