//! The type catalogue: GB/T 47678.5-2026 component and matter types (5-digit codes keyed by kind)
//! with their legacy GB/T 30428.2 codes, Qingdao's 218 local problem types in 12 classes, and the
//! handling standard (立结案标准: 立案条件, 处置时限 tiers, 结案条件, routing function, default
//! responsible department) of every type.
//!
//! Deliberately absent: file access (loaders take the `&str` contents the caller read, see
//! [`CatalogueSources`]), deadline arithmetic over a working-time calendar (`calendar`) and
//! routing to district departments or grassroots units (`org`/`locate`).
//!
//! Data lives in `assets/catalogue/` (see its `SOURCES.md`): the type directory is a transcription
//! of the standard; the legacy mapping, the local list and every handling standard are derived by
//! cityops and labelled so in the data.
//!
//! ```
//! # #[cfg(feature = "embedded-catalogue")] {
//! use cityops_api::{TypeKey, TypeKind};
//! use cityops_core::catalogue::{Catalogue, CatalogueSources};
//!
//! let catalogue = Catalogue::from_sources(&CatalogueSources::embedded()).unwrap();
//! let key = TypeKey { kind: TypeKind::Matter, code: "06010".into() };
//! assert_eq!(catalogue.get(&key).unwrap().name(), "暴露垃圾");
//! assert!(catalogue.standard(&key).unwrap().deadlines().len() >= 2);
//! # }
//! ```

mod error;
mod rows;
mod standards;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};

use cityops_api::{CategoryDto, DeadlineTierDto, TimeLimitDto, TypeKey, TypeKind};
use serde::Deserialize;

pub use error::{CatalogueError, Result, SourceFile};

/// The contents of the catalogue's source files, read by the caller.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueSources<'a> {
    /// `assets/catalogue/gbt47678_5_2026_types.csv`.
    pub types: &'a str,
    /// `assets/catalogue/legacy_gbt30428_2.csv`.
    pub legacy: &'a str,
    /// `assets/catalogue/qingdao_local_types.csv`.
    pub local: &'a str,
    /// `assets/catalogue/handling_standards.toml`.
    pub standards: &'a str,
    /// `assets/qingdao/departments.csv` (departments and their routing functions).
    pub departments: &'a str,
}

#[cfg(feature = "embedded-catalogue")]
impl CatalogueSources<'static> {
    /// The repository's catalogue, embedded at compile time (feature `embedded-catalogue`).
    pub fn embedded() -> Self {
        Self {
            types: include_str!("../../../assets/catalogue/gbt47678_5_2026_types.csv"),
            legacy: include_str!("../../../assets/catalogue/legacy_gbt30428_2.csv"),
            local: include_str!("../../../assets/catalogue/qingdao_local_types.csv"),
            standards: include_str!("../../../assets/catalogue/handling_standards.toml"),
            departments: include_str!("../../../assets/qingdao/departments.csv"),
        }
    }
}

/// Which code table a type belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// GB/T 47678.5-2026 (5-digit codes: 2-digit class + 3-digit type).
    Gbt47678,
    /// Qingdao's local list (legacy-style 4-digit codes: 2-digit class + 2-digit type).
    QingdaoLocal,
}

/// How closely a local type matches the GB/T 47678.5 type it maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingMatch {
    /// The same object or problem (the name may differ).
    Same,
    /// No equivalent exists; the nearest standard type was chosen.
    Nearest,
}

/// How sure cityops is of a legacy GB/T 30428.2 code and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegacyConfidence {
    /// Stated in the project's domain research (domain.md §3, tag `[S]`).
    Stated,
    /// Recollection of the legacy table, not verified against the standard's text (tag `[R]`).
    Recalled,
}

/// A legacy GB/T 30428.2 type (4 digits) and the GB/T 47678.5 type that replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyCode {
    /// Component, or matter (legacy 事件).
    pub kind: TypeKind,
    /// 4-digit legacy code (2-digit class + 2-digit type).
    pub code: String,
    /// Legacy name.
    pub name: String,
    /// The replacing GB/T 47678.5 type, if one exists.
    pub new_key: Option<TypeKey>,
    /// How sure the row is.
    pub confidence: LegacyConfidence,
}

/// One tier of a handling deadline, e.g. 停工 4 工作时.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineTier {
    /// Tier label, e.g. `一般`, `重点区域`, `拆除`.
    pub label: String,
    /// The limit (never zero).
    pub limit: TimeLimitDto,
}

/// The handling standard (立结案标准) of a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlingStandard {
    register_condition: String,
    deadlines: Vec<DeadlineTier>,
    close_condition: String,
    function: String,
    department: String,
    urgent: bool,
    derived: bool,
    basis: String,
}

impl HandlingStandard {
    /// 立案条件: when a report becomes a case.
    pub fn register_condition(&self) -> &str {
        &self.register_condition
    }

    /// 处置时限: one or more tiers; the first is the default. Never empty.
    pub fn deadlines(&self) -> &[DeadlineTier] {
        &self.deadlines
    }

    /// The default tier (the first).
    pub fn default_tier(&self) -> Option<&DeadlineTier> {
        self.deadlines.first()
    }

    /// The tier with this label.
    pub fn tier(&self, label: &str) -> Option<&DeadlineTier> {
        self.deadlines.iter().find(|t| t.label == label)
    }

    /// 结案条件: when a handled case may be closed.
    pub fn close_condition(&self) -> &str {
        &self.close_condition
    }

    /// Routing function: a department function of departments.csv (`drainage`, `power`, …) or a
    /// grassroots function (`sanitation`, `municipal`, `enforcement`, `greening`, `general`).
    pub fn function(&self) -> &str {
        &self.function
    }

    /// Code of the default responsible city-level department (departments.csv).
    pub fn department(&self) -> &str {
        &self.department
    }

    /// Whether the type is urgent; urgent types count clock time, all others working time.
    pub fn urgent(&self) -> bool {
        self.urgent
    }

    /// Whether the standard was derived by cityops (Qingdao's real table is not public).
    pub fn derived(&self) -> bool {
        self.derived
    }

    /// Where the standard comes from (cites domain.md).
    pub fn basis(&self) -> &str {
        &self.basis
    }
}

/// A type of the catalogue with its handling standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    key: TypeKey,
    name: String,
    scheme: Scheme,
    class_code: String,
    class_name: String,
    legacy_code: Option<String>,
    maps_to: Option<(TypeKey, MappingMatch)>,
    video_ai: bool,
    derived: bool,
    standard: HandlingStandard,
}

impl Category {
    /// Kind and code.
    pub fn key(&self) -> &TypeKey {
        &self.key
    }

    /// Chinese name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The code table the type belongs to.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Class (大类) code.
    pub fn class_code(&self) -> &str {
        &self.class_code
    }

    /// Class name.
    pub fn class_name(&self) -> &str {
        &self.class_name
    }

    /// Legacy GB/T 30428.2 code of a GB/T 47678.5 type, when the legacy mapping gives one.
    pub fn legacy_code(&self) -> Option<&str> {
        self.legacy_code.as_deref()
    }

    /// For a local type: the GB/T 47678.5 type it maps to. None for standard types.
    pub fn maps_to(&self) -> Option<&TypeKey> {
        self.maps_to.as_ref().map(|(key, _)| key)
    }

    /// For a local type: how close the mapping is.
    pub fn mapping_match(&self) -> Option<MappingMatch> {
        self.maps_to.as_ref().map(|(_, m)| *m)
    }

    /// The GB/T 47678.5 type a case of this type carries: itself, or the type a local type maps to.
    pub fn standard_key(&self) -> &TypeKey {
        self.maps_to().unwrap_or(&self.key)
    }

    /// Whether video AI can detect the type automatically (local types only).
    pub fn video_ai(&self) -> bool {
        self.video_ai
    }

    /// Whether the row itself was derived by cityops (local types); see also
    /// [`HandlingStandard::derived`].
    pub fn derived(&self) -> bool {
        self.derived
    }

    /// The handling standard.
    pub fn standard(&self) -> &HandlingStandard {
        &self.standard
    }

    /// The wire form. `derived` is true when the row or its standard was derived.
    pub fn to_dto(&self) -> CategoryDto {
        let s = &self.standard;
        CategoryDto {
            key: self.key.clone(),
            name: self.name.clone(),
            class_code: self.class_code.clone(),
            class_name: self.class_name.clone(),
            legacy_code: self.legacy_code.clone(),
            register_condition: s.register_condition.clone(),
            deadlines: s
                .deadlines
                .iter()
                .map(|t| DeadlineTierDto { label: t.label.clone(), limit: t.limit })
                .collect(),
            close_condition: s.close_condition.clone(),
            department_code: s.department.clone(),
            derived: self.derived || s.derived,
            qingdao_local: self.scheme == Scheme::QingdaoLocal,
            maps_to: self.maps_to().cloned(),
            video_ai: self.video_ai,
            urgent: s.urgent,
        }
    }
}

/// A class (大类) of one scheme and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeClass {
    /// Code table.
    pub scheme: Scheme,
    /// Component or matter.
    pub kind: TypeKind,
    /// 2-digit class code.
    pub code: String,
    /// Class name.
    pub name: String,
    /// Number of types in the class.
    pub type_count: usize,
}

/// The loaded catalogue. Immutable; every type has a complete handling standard.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// GB/T 47678.5 types in file order, then local types in file order.
    categories: Vec<Category>,
    local_start: usize,
    index: HashMap<TypeKey, usize>,
    classes: Vec<TypeClass>,
    legacy: Vec<LegacyCode>,
    functions: Vec<String>,
}

/// `component 01001`-style label of a key, for messages.
pub(crate) fn key_label(kind: TypeKind, code: &str) -> String {
    let kind = match kind {
        TypeKind::Component => "component",
        TypeKind::Matter => "matter",
    };
    format!("{kind} {code}")
}

impl Catalogue {
    /// Loads and validates the catalogue from the contents of its source files.
    ///
    /// # Errors
    /// A [`CatalogueError`] naming the file, line and field of the first problem: malformed CSV or
    /// TOML, a code of the wrong width, a duplicate key, a mapping to a type that does not exist,
    /// an unknown or non-city department, an unknown function, a zero-amount or wrong-unit tier,
    /// or a type left without a complete handling standard.
    pub fn from_sources(sources: &CatalogueSources<'_>) -> Result<Catalogue> {
        let departments = rows::departments(sources.departments)?;
        let type_rows = rows::types(sources.types)?;
        let legacy_rows = rows::legacy(sources.legacy)?;
        let local_rows = rows::local(sources.local)?;

        let type_keys: HashSet<(TypeKind, &str)> =
            type_rows.iter().map(|(_, r)| (r.kind, r.code.as_str())).collect();
        let class_keys: HashSet<(TypeKind, &str)> =
            type_rows.iter().map(|(_, r)| (r.kind, r.class_code.as_str())).collect();
        let local_keys: HashSet<(TypeKind, &str)> =
            local_rows.iter().map(|(_, r)| (r.kind, r.code.as_str())).collect();

        // Legacy codes must point at existing types.
        let mut legacy = Vec::with_capacity(legacy_rows.len());
        let mut legacy_of: HashMap<(TypeKind, String), String> = HashMap::new();
        for (line, row) in legacy_rows {
            let new_key = match row.new_code {
                Some(code) if !type_keys.contains(&(row.kind, code.as_str())) => {
                    return Err(CatalogueError::UnknownReference {
                        file: SourceFile::Legacy,
                        line,
                        field: "new_code",
                        what: "GB/T 47678.5 type",
                        value: key_label(row.kind, &code),
                    });
                }
                Some(code) => {
                    legacy_of.entry((row.kind, code.clone())).or_insert_with(|| row.legacy_code.clone());
                    Some(TypeKey { kind: row.kind, code })
                }
                None => None,
            };
            legacy.push(LegacyCode {
                kind: row.kind,
                code: row.legacy_code,
                name: row.legacy_name,
                new_key,
                confidence: row.confidence,
            });
        }

        // Local types must map to existing types.
        for (line, row) in &local_rows {
            if !type_keys.contains(&(row.standard_kind, row.standard_code.as_str())) {
                return Err(CatalogueError::UnknownReference {
                    file: SourceFile::Local,
                    line: *line,
                    field: "standard_code",
                    what: "GB/T 47678.5 type",
                    value: key_label(row.standard_kind, &row.standard_code),
                });
            }
        }

        let mut functions: Vec<String> =
            departments.by_code.values().flat_map(|(_, fs)| fs.iter().cloned()).collect();
        functions.extend(standards::GRASSROOTS_FUNCTIONS.iter().map(|f| (*f).to_owned()));
        functions.sort();
        functions.dedup();
        let class_exists = |kind: TypeKind, code: &str| class_keys.contains(&(kind, code));
        let type_exists = |kind: TypeKind, code: &str| type_keys.contains(&(kind, code));
        let local_exists = |kind: TypeKind, code: &str| local_keys.contains(&(kind, code));
        let file = standards::parse(
            sources.standards,
            &standards::Context {
                departments: &departments,
                functions: &functions,
                class_exists: &class_exists,
                type_exists: &type_exists,
                local_exists: &local_exists,
            },
        )?;

        let mut categories = Vec::with_capacity(type_rows.len() + local_rows.len());
        let mut index = HashMap::new();
        let mut origin_line = HashMap::new();
        for (line, row) in &type_rows {
            let key = TypeKey { kind: row.kind, code: row.code.clone() };
            let site = standards::TypeSite {
                file: SourceFile::Types,
                line: *line,
                key: key_label(row.kind, &row.code),
                name: &row.name,
            };
            let (standard, origin) =
                file.resolve_type(row.kind, &row.code, &row.class_code, &site, &departments)?;
            origin_line.insert(key.clone(), origin);
            index.insert(key.clone(), categories.len());
            categories.push(Category {
                legacy_code: legacy_of.get(&(row.kind, row.code.clone())).cloned(),
                key,
                name: row.name.clone(),
                scheme: Scheme::Gbt47678,
                class_code: row.class_code.clone(),
                class_name: row.class_name.clone(),
                maps_to: None,
                video_ai: false,
                derived: false,
                standard,
            });
        }
        let local_start = categories.len();
        for (line, row) in &local_rows {
            let key = row.key();
            let target = row.standard_key();
            let site = standards::TypeSite {
                file: SourceFile::Local,
                line: *line,
                key: format!("local {}", key_label(row.kind, &row.code)),
                name: &row.name,
            };
            // The target exists (checked above) and was resolved in the loop above.
            let Some(base) = index.get(&target).map(|&i| &categories[i].standard) else {
                return Err(CatalogueError::UnknownReference {
                    file: SourceFile::Local,
                    line: *line,
                    field: "standard_code",
                    what: "GB/T 47678.5 type",
                    value: key_label(target.kind, &target.code),
                });
            };
            let base_line = origin_line.get(&target).copied().unwrap_or(0);
            let (standard, _) =
                file.resolve_local(row.kind, &row.code, base, base_line, &site, &departments)?;
            index.insert(key.clone(), categories.len());
            categories.push(Category {
                key,
                name: row.name.clone(),
                scheme: Scheme::QingdaoLocal,
                class_code: row.class_code.clone(),
                class_name: row.class_name.clone(),
                legacy_code: None,
                maps_to: Some((target, row.mapping)),
                video_ai: row.video_ai,
                derived: row.derived,
                standard,
            });
        }

        let mut class_map: BTreeMap<(Scheme, TypeKind, String), TypeClass> = BTreeMap::new();
        for c in &categories {
            class_map
                .entry((c.scheme, c.key.kind, c.class_code.clone()))
                .or_insert_with(|| TypeClass {
                    scheme: c.scheme,
                    kind: c.key.kind,
                    code: c.class_code.clone(),
                    name: c.class_name.clone(),
                    type_count: 0,
                })
                .type_count += 1;
        }
        let classes = class_map.into_values().collect();
        Ok(Catalogue { categories, local_start, index, classes, legacy, functions })
    }

    /// The type with this key (GB/T 47678.5 or local).
    pub fn get(&self, key: &TypeKey) -> Option<&Category> {
        self.index.get(key).map(|&i| &self.categories[i])
    }

    /// The handling standard of the type with this key.
    pub fn standard(&self, key: &TypeKey) -> Option<&HandlingStandard> {
        self.get(key).map(Category::standard)
    }

    /// Every type: GB/T 47678.5 types first, then local types, each in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter()
    }

    /// Number of types (GB/T 47678.5 and local).
    pub fn len(&self) -> usize {
        self.categories.len()
    }

    /// Whether the catalogue has no types.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }

    /// The GB/T 47678.5 types of a kind, in code order.
    pub fn gbt_types(&self, kind: TypeKind) -> impl Iterator<Item = &Category> {
        self.categories[..self.local_start].iter().filter(move |c| c.key.kind == kind)
    }

    /// The types of one class of one scheme and kind.
    pub fn in_class<'a>(
        &'a self,
        scheme: Scheme,
        kind: TypeKind,
        class_code: &'a str,
    ) -> impl Iterator<Item = &'a Category> {
        self.categories
            .iter()
            .filter(move |c| c.scheme == scheme && c.key.kind == kind && c.class_code == class_code)
    }

    /// Qingdao's local problem types, in file order, each with the standard type it maps to.
    pub fn qingdao_local(&self) -> &[Category] {
        &self.categories[self.local_start..]
    }

    /// The local types video AI can detect automatically.
    pub fn video_ai_types(&self) -> impl Iterator<Item = &Category> {
        self.qingdao_local().iter().filter(|c| c.video_ai)
    }

    /// Every class, ordered by scheme, kind and code.
    pub fn classes(&self) -> &[TypeClass] {
        &self.classes
    }

    /// The legacy GB/T 30428.2 codes cityops knows, in file order.
    pub fn legacy_codes(&self) -> &[LegacyCode] {
        &self.legacy
    }

    /// The legacy code with this kind and 4-digit code.
    pub fn legacy(&self, kind: TypeKind, code: &str) -> Option<&LegacyCode> {
        self.legacy.iter().find(|l| l.kind == kind && l.code == code)
    }

    /// The types with exactly this name (a standard type and a local type may share one).
    pub fn by_name<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Category> {
        self.categories.iter().filter(move |c| c.name == name)
    }

    /// The routing functions a standard may name: departments.csv's `functions` and the
    /// grassroots functions, sorted.
    pub fn functions(&self) -> &[String] {
        &self.functions
    }

    /// Every type in wire form.
    pub fn to_dto(&self) -> Vec<CategoryDto> {
        self.categories.iter().map(Category::to_dto).collect()
    }
}
