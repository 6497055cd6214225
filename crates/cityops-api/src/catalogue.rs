//! The type catalogue and its handling standards (立结案标准) on the wire.

use serde::{Deserialize, Serialize};

use crate::{TimeUnit, TypeKey};

/// One time limit: an amount in a unit (e.g. 2 工作时).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimeLimitDto {
    /// Amount.
    pub amount: u32,
    /// Unit.
    pub unit: TimeUnit,
}

/// One tier of a handling deadline (e.g. 停工 4 工作时 / 处罚 7 工作日).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeadlineTierDto {
    /// Tier label, e.g. `一般` or `拆除`.
    pub label: String,
    /// The limit.
    pub limit: TimeLimitDto,
}

/// A type of the catalogue with its handling standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CategoryDto {
    /// Kind and code.
    pub key: TypeKey,
    /// Chinese name.
    pub name: String,
    /// Class (大类) code.
    pub class_code: String,
    /// Class name.
    pub class_name: String,
    /// Legacy GB/T 30428.2 code, when one exists.
    pub legacy_code: Option<String>,
    /// 立案条件.
    pub register_condition: String,
    /// 处置时限 tiers, first is the default.
    pub deadlines: Vec<DeadlineTierDto>,
    /// 结案条件.
    pub close_condition: String,
    /// Code of the default responsible department.
    pub department_code: String,
    /// Whether the row was derived by cityops (the real Qingdao table is not public).
    pub derived: bool,
    /// Whether this is one of Qingdao's 218 local problem types.
    pub qingdao_local: bool,
    /// For a local type: the GB/T 47678.5 type it maps to (a case always carries that key).
    #[serde(default)]
    pub maps_to: Option<TypeKey>,
    /// Whether video AI detects the type automatically.
    #[serde(default)]
    pub video_ai: bool,
    /// Whether the type is urgent (its deadlines count clock time, not working time).
    #[serde(default)]
    pub urgent: bool,
}
