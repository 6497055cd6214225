//! Typed load errors of the catalogue: each names the source file, the line and the field at fault.

use std::fmt;

/// The source files a catalogue is loaded from (see [`super::CatalogueSources`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceFile {
    /// `gbt47678_5_2026_types.csv`: the GB/T 47678.5-2026 type directory.
    Types,
    /// `legacy_gbt30428_2.csv`: legacy GB/T 30428.2 codes and their new codes.
    Legacy,
    /// `qingdao_local_types.csv`: Qingdao's 218 local problem types.
    Local,
    /// `handling_standards.toml`: the 立结案标准 of every type.
    Standards,
    /// `departments.csv`: the departments that may be responsible for a type.
    Departments,
}

impl SourceFile {
    /// The file name under `assets/` (departments live in `assets/qingdao/`, the rest in
    /// `assets/catalogue/`).
    pub fn file_name(self) -> &'static str {
        match self {
            SourceFile::Types => "gbt47678_5_2026_types.csv",
            SourceFile::Legacy => "legacy_gbt30428_2.csv",
            SourceFile::Local => "qingdao_local_types.csv",
            SourceFile::Standards => "handling_standards.toml",
            SourceFile::Departments => "departments.csv",
        }
    }
}

impl fmt::Display for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// Why a catalogue failed to load. Every variant names the file and the 1-based line: the CSV row
/// (the header is line 1) or the first line of the TOML entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// The file is not well-formed CSV/TOML, or a value has the wrong type.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// File.
        file: SourceFile,
        /// Line (0 when the parser gave no position).
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// A code does not have the expected form (e.g. not 5 digits).
    #[error("{file}:{line}: field `{field}`: `{value}` is not {expected}")]
    BadCode {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// Column or key.
        field: &'static str,
        /// The value found.
        value: String,
        /// What was expected, e.g. "a 5-digit code".
        expected: &'static str,
    },
    /// A field has a value that is not allowed there.
    #[error("{file}:{line}: field `{field}`: `{value}`: {reason}")]
    BadValue {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// Column or key.
        field: &'static str,
        /// The value found.
        value: String,
        /// Why it is wrong.
        reason: &'static str,
    },
    /// A required field is absent.
    #[error("{file}:{line}: field `{field}` is required")]
    MissingField {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// Column or key.
        field: &'static str,
    },
    /// A key that is not allowed in this kind of entry (e.g. `codes` in a class default).
    #[error("{file}:{line}: field `{field}` is not allowed here: {reason}")]
    NotAllowed {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// The key.
        field: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// The same key appears twice.
    #[error("{file}:{line}: duplicate {key} (first given on line {first_line})")]
    Duplicate {
        /// File.
        file: SourceFile,
        /// Line of the second occurrence.
        line: u64,
        /// The key, e.g. `matter 06010`.
        key: String,
        /// Line of the first occurrence.
        first_line: u64,
    },
    /// A department code that departments.csv does not list.
    #[error("{file}:{line}: field `department`: unknown department `{code}`")]
    UnknownDepartment {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// The code found.
        code: String,
    },
    /// A department that exists but is not city-level (district equivalents are resolved by
    /// routing, not by the catalogue).
    #[error("{file}:{line}: field `department`: `{code}` is not a city-level department")]
    NotCityDepartment {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// The code found.
        code: String,
    },
    /// A routing function outside departments.csv's `functions` and the grassroots functions.
    #[error("{file}:{line}: field `function`: unknown function `{function}`")]
    UnknownFunction {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// The function found.
        function: String,
    },
    /// A specialist function given to a department that does not carry it.
    #[error("{file}:{line}: {key}: department `{department}` does not carry function `{function}`")]
    FunctionMismatch {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// The type.
        key: String,
        /// Department code.
        department: String,
        /// Function.
        function: String,
    },
    /// A reference to a type, class or template that does not exist.
    #[error("{file}:{line}: field `{field}`: no such {what} `{value}`")]
    UnknownReference {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// Column or key.
        field: &'static str,
        /// What was looked for: "GB/T 47678.5 type", "class", "local type", "template".
        what: &'static str,
        /// The value found.
        value: String,
    },
    /// A deadline tier with amount 0.
    #[error("{file}:{line}: deadline tier `{label}` has a zero amount")]
    ZeroLimit {
        /// File.
        file: SourceFile,
        /// Line.
        line: u64,
        /// Tier label.
        label: String,
    },
    /// An urgent type with a working-time tier, or a non-urgent type with a clock-time tier.
    #[error(
        "{file}:{line}: {key}: deadline tier `{label}` counts {unit} but the type is {}",
        if *urgent { "urgent (clock time)" } else { "not urgent (working time)" }
    )]
    UnitMismatch {
        /// File.
        file: SourceFile,
        /// Line of the entry that set the tiers.
        line: u64,
        /// The type.
        key: String,
        /// Tier label.
        label: String,
        /// The tier's unit (Chinese name).
        unit: &'static str,
        /// Whether the type is urgent.
        urgent: bool,
    },
    /// A type whose handling standard is incomplete after applying every layer.
    #[error("{file}:{line}: {key} {name}: no entry of handling_standards.toml sets `{field}`")]
    MissingStandard {
        /// File listing the type.
        file: SourceFile,
        /// Its line there.
        line: u64,
        /// The type.
        key: String,
        /// Its name.
        name: String,
        /// The first field that is unset.
        field: &'static str,
    },
}

/// Result alias of the catalogue.
pub type Result<T, E = CatalogueError> = std::result::Result<T, E>;
