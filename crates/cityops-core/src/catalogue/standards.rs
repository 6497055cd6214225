//! Parsing of `handling_standards.toml` and the layering of its entries: class default → template
//! → per-type override (→ local override for Qingdao's local types).

use std::collections::{BTreeMap, HashMap};

use cityops_api::{TimeLimitDto, TimeUnit, TypeKind};
use serde::Deserialize;
use toml::Spanned;

use super::error::{CatalogueError, Result, SourceFile};
use super::rows::{DepartmentLevel, Departments, check_digits};
use super::{DeadlineTier, HandlingStandard};

const FILE: SourceFile = SourceFile::Standards;

/// Functions that grassroots units (街道/社区 handling units) carry; valid for any department.
pub(super) const GRASSROOTS_FUNCTIONS: [&str; 5] =
    ["sanitation", "municipal", "enforcement", "greening", "general"];

/// One deadline tier as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    label: String,
    amount: u32,
    unit: TimeUnit,
}

/// One entry as written: a template, a class default, a type or a local override.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    kinds: Option<Vec<TypeKind>>,
    class: Option<String>,
    codes: Option<Vec<String>>,
    #[serde(rename = "use")]
    template: Option<String>,
    register_condition: Option<String>,
    close_condition: Option<String>,
    deadlines: Option<Vec<RawTier>>,
    function: Option<String>,
    department: Option<String>,
    urgent: Option<bool>,
    derived: Option<bool>,
    basis: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    template: BTreeMap<String, Spanned<RawEntry>>,
    #[serde(default)]
    class: Vec<Spanned<RawEntry>>,
    #[serde(default, rename = "type")]
    types: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    local: Vec<Spanned<RawEntry>>,
}

/// An entry with its line, checked on its own.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    line: u64,
    fields: RawEntry,
}

/// The parsed file: entries indexed by what they apply to.
#[derive(Debug)]
pub(super) struct StandardsFile {
    templates: HashMap<String, Entry>,
    classes: HashMap<(TypeKind, String), Entry>,
    types: HashMap<(TypeKind, String), Entry>,
    locals: HashMap<(TypeKind, String), Entry>,
}

fn line_of(text: &str, offset: usize) -> u64 {
    let prefix = text.get(..offset).unwrap_or(text);
    prefix.bytes().filter(|&b| b == b'\n').count() as u64 + 1
}

fn not_allowed(e: &Entry, field: &'static str, present: bool, reason: &'static str) -> Result<()> {
    if present { Err(CatalogueError::NotAllowed { file: FILE, line: e.line, field, reason }) } else { Ok(()) }
}

fn require<T>(line: u64, field: &'static str, value: &Option<T>) -> Result<()> {
    if value.is_none() { Err(CatalogueError::MissingField { file: FILE, line, field }) } else { Ok(()) }
}

/// Checks what an entry says on its own: known department and function, non-empty tiers,
/// non-zero amounts, non-empty texts.
fn check_fields(line: u64, e: &RawEntry, departments: &Departments, functions: &[String]) -> Result<()> {
    for (field, text) in [
        ("register_condition", &e.register_condition),
        ("close_condition", &e.close_condition),
        ("basis", &e.basis),
    ] {
        if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(CatalogueError::MissingField { file: FILE, line, field });
        }
    }
    if let Some(code) = &e.department {
        match departments.by_code.get(code) {
            None => return Err(CatalogueError::UnknownDepartment { file: FILE, line, code: code.clone() }),
            Some((DepartmentLevel::District, _)) => {
                return Err(CatalogueError::NotCityDepartment { file: FILE, line, code: code.clone() });
            }
            Some((DepartmentLevel::City, _)) => {}
        }
    }
    if let Some(function) = &e.function
        && !functions.contains(function)
    {
        return Err(CatalogueError::UnknownFunction { file: FILE, line, function: function.clone() });
    }
    if let Some(tiers) = &e.deadlines {
        if tiers.is_empty() {
            return Err(CatalogueError::MissingField { file: FILE, line, field: "deadlines" });
        }
        for (i, tier) in tiers.iter().enumerate() {
            if tiers[..i].iter().any(|t| t.label == tier.label) {
                return Err(CatalogueError::Duplicate {
                    file: FILE,
                    line,
                    key: format!("deadline tier `{}`", tier.label),
                    first_line: line,
                });
            }
            if tier.amount == 0 {
                return Err(CatalogueError::ZeroLimit { file: FILE, line, label: tier.label.clone() });
            }
            if tier.label.trim().is_empty() {
                return Err(CatalogueError::MissingField { file: FILE, line, field: "deadlines.label" });
            }
        }
    }
    Ok(())
}

/// What the codes of one section's entries refer to.
struct Target<'a> {
    /// The key listing the codes: `class` or `codes`.
    field: &'static str,
    width: usize,
    expected: &'static str,
    /// What is looked up, for messages.
    what: &'static str,
    /// Prefix of a key in messages (e.g. `class default for `).
    label: &'static str,
    exists: &'a dyn Fn(TypeKind, &str) -> bool,
}

/// Expands `kinds × codes` of an entry into keys, checking each exists.
fn keys_of(e: &Entry, codes: &[String], target: &Target<'_>) -> Result<Vec<(TypeKind, String)>> {
    let line = e.line;
    let kinds = e.fields.kinds.as_deref().unwrap_or_default();
    if kinds.is_empty() {
        return Err(CatalogueError::MissingField { file: FILE, line, field: "kinds" });
    }
    if codes.is_empty() {
        return Err(CatalogueError::MissingField { file: FILE, line, field: target.field });
    }
    let mut keys = Vec::new();
    for code in codes {
        check_digits(FILE, line, target.field, code, target.width, target.expected)?;
        for &kind in kinds {
            if !(target.exists)(kind, code) {
                return Err(CatalogueError::UnknownReference {
                    file: FILE,
                    line,
                    field: target.field,
                    what: target.what,
                    value: super::key_label(kind, code),
                });
            }
            keys.push((kind, code.clone()));
        }
    }
    Ok(keys)
}

/// Indexes the entries of one section by the keys they apply to; a key may appear only once.
fn index(
    entries: Vec<Entry>,
    codes_of: impl Fn(&Entry) -> Vec<String>,
    target: &Target<'_>,
) -> Result<HashMap<(TypeKind, String), Entry>> {
    let mut out = HashMap::new();
    let mut seen = super::rows::Seen::new(FILE);
    for e in entries {
        for key in keys_of(&e, &codes_of(&e), target)? {
            seen.insert(key.clone(), e.line, || {
                format!("{}{}", target.label, super::key_label(key.0, &key.1))
            })?;
            out.insert(key, e.clone());
        }
    }
    Ok(out)
}

/// What the parser needs to know about the other files.
pub(super) struct Context<'a> {
    pub departments: &'a Departments,
    pub functions: &'a [String],
    pub class_exists: &'a dyn Fn(TypeKind, &str) -> bool,
    pub type_exists: &'a dyn Fn(TypeKind, &str) -> bool,
    pub local_exists: &'a dyn Fn(TypeKind, &str) -> bool,
}

/// Parses and checks the file.
pub(super) fn parse(text: &str, cx: &Context<'_>) -> Result<StandardsFile> {
    let raw: RawFile = toml::from_str(text).map_err(|err| CatalogueError::Syntax {
        file: FILE,
        line: err.span().map_or(0, |span| line_of(text, span.start)),
        message: err.message().to_owned(),
    })?;
    let entry = |spanned: Spanned<RawEntry>| -> Result<Entry> {
        let line = line_of(text, spanned.span().start);
        let fields = spanned.into_inner();
        check_fields(line, &fields, cx.departments, cx.functions)?;
        Ok(Entry { line, fields })
    };

    let mut templates = HashMap::new();
    for (name, spanned) in raw.template {
        let e = entry(spanned)?;
        let reason = "a template applies to no type by itself and uses no other template";
        not_allowed(&e, "kinds", e.fields.kinds.is_some(), reason)?;
        not_allowed(&e, "class", e.fields.class.is_some(), reason)?;
        not_allowed(&e, "codes", e.fields.codes.is_some(), reason)?;
        not_allowed(&e, "use", e.fields.template.is_some(), reason)?;
        templates.insert(name, e);
    }

    // Class defaults, per-type and per-local entries must say they are derived and why, and
    // may only use templates that exist.
    let section = |list: Vec<Spanned<RawEntry>>, class_section: bool| -> Result<Vec<Entry>> {
        let mut out = Vec::with_capacity(list.len());
        for spanned in list {
            let e = entry(spanned)?;
            require(e.line, "derived", &e.fields.derived)?;
            require(e.line, "basis", &e.fields.basis)?;
            if class_section {
                let reason = "a class default applies to a whole class and uses no template";
                not_allowed(&e, "codes", e.fields.codes.is_some(), reason)?;
                not_allowed(&e, "use", e.fields.template.is_some(), reason)?;
                require(e.line, "class", &e.fields.class)?;
            } else {
                not_allowed(&e, "class", e.fields.class.is_some(), "a per-type entry lists `codes`")?;
                require(e.line, "codes", &e.fields.codes)?;
            }
            if let Some(name) = &e.fields.template
                && !templates.contains_key(name)
            {
                return Err(CatalogueError::UnknownReference {
                    file: FILE,
                    line: e.line,
                    field: "use",
                    what: "template",
                    value: name.clone(),
                });
            }
            out.push(e);
        }
        Ok(out)
    };

    let classes = index(
        section(raw.class, true)?,
        |e| e.fields.class.iter().cloned().collect(),
        &Target {
            field: "class",
            width: 2,
            expected: "a 2-digit class code",
            what: "class",
            label: "class default for ",
            exists: cx.class_exists,
        },
    )?;
    let codes = |e: &Entry| e.fields.codes.clone().unwrap_or_default();
    let types = index(
        section(raw.types, false)?,
        codes,
        &Target {
            field: "codes",
            width: 5,
            expected: "a 5-digit GB/T 47678.5 code",
            what: "GB/T 47678.5 type",
            label: "",
            exists: cx.type_exists,
        },
    )?;
    let locals = index(
        section(raw.local, false)?,
        codes,
        &Target {
            field: "codes",
            width: 4,
            expected: "a 4-digit local code",
            what: "local type",
            label: "local ",
            exists: cx.local_exists,
        },
    )?;
    Ok(StandardsFile { templates, classes, types, locals })
}

/// A standard under construction: every field optional until all layers are applied.
#[derive(Debug, Clone, Default)]
pub(super) struct Partial {
    register_condition: Option<String>,
    close_condition: Option<String>,
    deadlines: Option<Vec<RawTier>>,
    function: Option<String>,
    department: Option<String>,
    urgent: Option<bool>,
    derived: Option<bool>,
    basis: Option<String>,
    /// Line of the most specific entry applied (0 if none).
    pub line: u64,
}

impl Partial {
    fn apply(&mut self, e: &Entry) {
        let f = &e.fields;
        macro_rules! take {
            ($($name:ident),*) => { $( if let Some(v) = &f.$name { self.$name = Some(v.clone()); } )* };
        }
        take!(register_condition, close_condition, deadlines, function, department, urgent, derived, basis);
        self.line = e.line;
    }

    fn from_standard(s: &HandlingStandard, line: u64) -> Self {
        Self {
            register_condition: Some(s.register_condition.clone()),
            close_condition: Some(s.close_condition.clone()),
            deadlines: Some(
                s.deadlines
                    .iter()
                    .map(|t| RawTier { label: t.label.clone(), amount: t.limit.amount, unit: t.limit.unit })
                    .collect(),
            ),
            function: Some(s.function.clone()),
            department: Some(s.department.clone()),
            urgent: Some(s.urgent),
            derived: Some(s.derived),
            basis: Some(s.basis.clone()),
            line,
        }
    }
}

/// Where a type is listed, for error messages.
pub(super) struct TypeSite<'a> {
    pub file: SourceFile,
    pub line: u64,
    pub key: String,
    pub name: &'a str,
}

impl StandardsFile {
    fn layer(&self, partial: &mut Partial, entry: Option<&Entry>) {
        if let Some(e) = entry {
            if let Some(t) = e.fields.template.as_ref().and_then(|name| self.templates.get(name)) {
                partial.apply(t);
            }
            partial.apply(e);
        }
    }

    /// The standard of a GB/T 47678.5 type: class default → template → type entry.
    pub(super) fn resolve_type(
        &self,
        kind: TypeKind,
        code: &str,
        class: &str,
        site: &TypeSite<'_>,
        departments: &Departments,
    ) -> Result<(HandlingStandard, u64)> {
        let mut partial = Partial::default();
        if let Some(c) = self.classes.get(&(kind, class.to_owned())) {
            partial.apply(c);
        }
        self.layer(&mut partial, self.types.get(&(kind, code.to_owned())));
        finish(partial, site, departments)
    }

    /// The standard of a local type: the mapped type's standard → template → local entry.
    pub(super) fn resolve_local(
        &self,
        kind: TypeKind,
        code: &str,
        base: &HandlingStandard,
        base_line: u64,
        site: &TypeSite<'_>,
        departments: &Departments,
    ) -> Result<(HandlingStandard, u64)> {
        let mut partial = Partial::from_standard(base, base_line);
        self.layer(&mut partial, self.locals.get(&(kind, code.to_owned())));
        finish(partial, site, departments)
    }
}

/// Turns a complete partial into a standard, checking the cross-field rules: every field set,
/// department carries a specialist function, urgent types count clock time and others working time.
fn finish(p: Partial, site: &TypeSite<'_>, departments: &Departments) -> Result<(HandlingStandard, u64)> {
    let line = p.line;
    let missing = |field: &'static str| CatalogueError::MissingStandard {
        file: site.file,
        line: site.line,
        key: site.key.clone(),
        name: site.name.to_owned(),
        field,
    };
    let register_condition = p.register_condition.ok_or_else(|| missing("register_condition"))?;
    let tiers = p.deadlines.ok_or_else(|| missing("deadlines"))?;
    let close_condition = p.close_condition.ok_or_else(|| missing("close_condition"))?;
    let function = p.function.ok_or_else(|| missing("function"))?;
    let department = p.department.ok_or_else(|| missing("department"))?;
    let urgent = p.urgent.ok_or_else(|| missing("urgent"))?;
    let derived = p.derived.ok_or_else(|| missing("derived"))?;
    let basis = p.basis.ok_or_else(|| missing("basis"))?;
    let carries = departments.by_code.get(&department).is_some_and(|(_, fs)| fs.contains(&function));
    if !carries && !GRASSROOTS_FUNCTIONS.contains(&function.as_str()) {
        return Err(CatalogueError::FunctionMismatch {
            file: FILE,
            line,
            key: site.key.clone(),
            department,
            function,
        });
    }
    for tier in &tiers {
        let clock = matches!(tier.unit, TimeUnit::ClockHours | TimeUnit::ClockMinutes);
        if clock != urgent {
            return Err(CatalogueError::UnitMismatch {
                file: FILE,
                line,
                key: site.key.clone(),
                label: tier.label.clone(),
                unit: tier.unit.zh(),
                urgent,
            });
        }
    }
    let deadlines = tiers
        .into_iter()
        .map(|t| DeadlineTier { label: t.label, limit: TimeLimitDto { amount: t.amount, unit: t.unit } })
        .collect();
    Ok((
        HandlingStandard {
            register_condition,
            deadlines,
            close_condition,
            function,
            department,
            urgent,
            derived,
            basis,
        },
        line,
    ))
}
