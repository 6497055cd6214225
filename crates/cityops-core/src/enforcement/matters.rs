//! The enforcement matter list (执法事项清单) as data: fields, matters with their legal basis and
//! discretion tables (裁量基准), the amounts that decide the procedure, and which 运管服 problem
//! types lead to which matters. Validated whole when loaded; the format is
//! `assets/enforcement/matters.toml` (see its `SOURCES.md`).

use std::collections::{BTreeMap, HashSet};

use cityops_api::{
    DiscretionLevelDto, FieldDto, FineUnit, MatterDto, MatterListDto, PartyKind, PenaltyDto, ThresholdsDto,
    TypeKey,
};
use serde::Deserialize;

use super::EnforcementError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    thresholds: ThresholdsRow,
    #[serde(default)]
    field: Vec<FieldDto>,
    #[serde(default)]
    matter: Vec<MatterRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsRow {
    summary_max_citizen: u64,
    summary_max_organisation: u64,
    hearing_min_citizen: u64,
    hearing_min_organisation: u64,
    major_min_citizen: u64,
    major_min_organisation: u64,
    #[allow(dead_code)]
    basis: String,
    #[allow(dead_code)]
    confidence: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatterRow {
    code: String,
    field: String,
    name: String,
    name_en: String,
    offence_basis: String,
    penalty_basis: String,
    penalty: String,
    parties: Vec<PartyKind>,
    orders_correction: bool,
    #[serde(default)]
    problem_types: Vec<TypeKey>,
    confidence: String,
    basis: String,
    #[serde(default)]
    level: Vec<DiscretionLevelDto>,
}

/// The validated matter list.
#[derive(Debug, Clone)]
pub struct MatterList {
    fields: Vec<FieldDto>,
    matters: BTreeMap<String, MatterDto>,
    by_type: BTreeMap<TypeKey, Vec<String>>,
    thresholds: ThresholdsDto,
}

fn bad(what: impl Into<String>) -> EnforcementError {
    EnforcementError::MalformedMatters(what.into())
}

impl MatterList {
    /// Parse and validate the list: unique 5-digit codes that start with their field's code,
    /// known fields, at least one party, a discretion table of ascending, non-overlapping levels
    /// in one unit, and thresholds in order (summary ceiling below the hearing amount).
    pub fn from_toml(text: &str) -> Result<MatterList, EnforcementError> {
        let file: File = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let t = &file.thresholds;
        let thresholds = ThresholdsDto {
            summary_max_citizen: t.summary_max_citizen,
            summary_max_organisation: t.summary_max_organisation,
            hearing_min_citizen: t.hearing_min_citizen,
            hearing_min_organisation: t.hearing_min_organisation,
            major_min_citizen: t.major_min_citizen,
            major_min_organisation: t.major_min_organisation,
        };
        if thresholds.summary_max_citizen >= thresholds.hearing_min_citizen
            || thresholds.summary_max_organisation >= thresholds.hearing_min_organisation
        {
            return Err(bad("thresholds: the summary ceiling must lie below the hearing amount"));
        }
        let mut fields = Vec::new();
        let mut field_codes = HashSet::new();
        for f in file.field {
            if f.code.len() != 2 || !f.code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(format!("field {:?}: the code must have 2 digits", f.code)));
            }
            if !field_codes.insert(f.code.clone()) {
                return Err(bad(format!("field {} is listed twice", f.code)));
            }
            fields.push(f);
        }
        let mut matters = BTreeMap::new();
        let mut by_type: BTreeMap<TypeKey, Vec<String>> = BTreeMap::new();
        for m in file.matter {
            let code = m.code.clone();
            let ctx = |what: &str| bad(format!("matter {code}: {what}"));
            if m.code.len() != 5 || !m.code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ctx("the code must have 5 digits"));
            }
            if !field_codes.contains(&m.field) || !m.code.starts_with(&m.field) {
                return Err(ctx(&format!("field {:?} is not listed or does not prefix the code", m.field)));
            }
            if m.parties.is_empty() {
                return Err(ctx("no party can commit it"));
            }
            if m.name.trim().is_empty()
                || m.penalty_basis.trim().is_empty()
                || m.offence_basis.trim().is_empty()
            {
                return Err(ctx("the name and both legal bases are required"));
            }
            if !matches!(m.confidence.as_str(), "stated" | "recalled" | "derived") {
                return Err(ctx("confidence must be stated, recalled or derived"));
            }
            check_levels(&m.level).map_err(|e| ctx(&e))?;
            for t in &m.problem_types {
                by_type.entry(t.clone()).or_default().push(m.code.clone());
            }
            let dto = MatterDto {
                code: m.code.clone(),
                field: m.field,
                name: m.name,
                name_en: m.name_en,
                offence_basis: m.offence_basis,
                penalty_basis: m.penalty_basis,
                penalty: m.penalty,
                parties: m.parties,
                orders_correction: m.orders_correction,
                problem_types: m.problem_types,
                levels: m.level,
                confidence: m.confidence,
                basis: m.basis,
            };
            if matters.insert(m.code.clone(), dto).is_some() {
                return Err(bad(format!("matter {} is listed twice", m.code)));
            }
        }
        Ok(MatterList { fields, matters, by_type, thresholds })
    }

    /// The repository's list (`assets/enforcement/matters.toml`), embedded at compile time.
    #[cfg(feature = "embedded-catalogue")]
    pub fn embedded() -> Result<MatterList, EnforcementError> {
        MatterList::from_toml(include_str!("../../../../assets/enforcement/matters.toml"))
    }

    /// A matter by code.
    pub fn get(&self, code: &str) -> Option<&MatterDto> {
        self.matters.get(code)
    }

    /// Every matter, by code.
    pub fn matters(&self) -> impl Iterator<Item = &MatterDto> {
        self.matters.values()
    }

    /// The fields.
    pub fn fields(&self) -> &[FieldDto] {
        &self.fields
    }

    /// The matters a problem type leads to (移送执法 offers these).
    pub fn for_type(&self, key: &TypeKey) -> Vec<&MatterDto> {
        self.by_type.get(key).into_iter().flatten().filter_map(|c| self.matters.get(c)).collect()
    }

    /// Every problem type that leads to a matter.
    pub fn problem_types(&self) -> impl Iterator<Item = &TypeKey> {
        self.by_type.keys()
    }

    /// The amounts that decide the procedure.
    pub fn thresholds(&self) -> ThresholdsDto {
        self.thresholds
    }

    /// The whole list on the wire.
    pub fn to_dto(&self) -> MatterListDto {
        MatterListDto {
            fields: self.fields.clone(),
            matters: self.matters.values().cloned().collect(),
            thresholds: self.thresholds,
        }
    }
}

/// Levels ascend, do not overlap, share one unit, and each has `min ≤ max`.
fn check_levels(levels: &[DiscretionLevelDto]) -> Result<(), String> {
    if levels.is_empty() {
        return Err("the discretion table has no level".into());
    }
    let unit = levels.first().map(|l| l.unit);
    let mut last_max: Option<u64> = None;
    for l in levels {
        if Some(l.unit) != unit {
            return Err(format!("level {} is in another unit", l.level));
        }
        if l.min > l.max {
            return Err(format!("level {}: min {} is above max {}", l.level, l.min, l.max));
        }
        if let Some(prev) = last_max
            && l.min < prev
        {
            return Err(format!(
                "level {} starts at {} below the previous level's max {prev}",
                l.level, l.min
            ));
        }
        last_max = Some(l.max);
    }
    Ok(())
}

/// The fine range in yuan a level allows for `quantity` (area, cost or gain as its unit needs).
/// A per-mille range is kept inside the law's bounds: its floor rounds up and its ceiling down.
pub fn fine_range(level: &DiscretionLevelDto, quantity: u64) -> (u64, u64) {
    match level.unit {
        FineUnit::Yuan => (level.min, level.max),
        FineUnit::YuanPerM2 | FineUnit::TimesIllegalGain => {
            (level.min.saturating_mul(quantity), level.max.saturating_mul(quantity))
        }
        FineUnit::PermilleOfCost => {
            (level.min.saturating_mul(quantity).div_ceil(1000), level.max.saturating_mul(quantity) / 1000)
        }
    }
}

/// Check a penalty against the matter's discretion table: the level exists, the quantity its
/// unit needs is given, and the fine lies in the level's range.
pub fn check_penalty(
    matter: &MatterDto,
    party: PartyKind,
    penalty: &PenaltyDto,
) -> Result<(), EnforcementError> {
    if !matter.parties.contains(&party) {
        return Err(EnforcementError::PartyNotLiable { matter: matter.code.clone(), party });
    }
    let level = matter.levels.get(penalty.level).ok_or_else(|| EnforcementError::NoSuchLevel {
        matter: matter.code.clone(),
        level: penalty.level,
        levels: matter.levels.len(),
    })?;
    if level.unit != FineUnit::Yuan && penalty.quantity == 0 {
        return Err(EnforcementError::MissingField {
            field: "penalty.quantity",
            why: level.unit.quantity_zh().unwrap_or("quantity"),
        });
    }
    let (min, max) = fine_range(level, penalty.quantity);
    if penalty.fine_yuan < min || penalty.fine_yuan > max {
        return Err(EnforcementError::FineOutOfRange {
            matter: matter.code.clone(),
            level: level.level.clone(),
            fine: penalty.fine_yuan,
            min,
            max,
        });
    }
    if penalty.fine_yuan == 0 && !penalty.warning && !penalty.demolition {
        return Err(EnforcementError::EmptyPenalty);
    }
    Ok(())
}
