//! Tests of the catalogue: the repository's data (counts, known values, completeness) and one
//! small malformed fixture per validation error.

use std::collections::{HashMap, HashSet};

use cityops_api::{CategoryDto, TimeLimitDto, TimeUnit, TypeKey, TypeKind};

use super::*;

/// The repository's catalogue files, read from disk (tests may do IO; the library does not).
struct RepoFiles {
    types: String,
    legacy: String,
    local: String,
    standards: String,
    departments: String,
}

impl RepoFiles {
    fn read() -> Self {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets");
        let read = |path: &str| std::fs::read_to_string(format!("{root}/{path}")).unwrap();
        Self {
            types: read("catalogue/gbt47678_5_2026_types.csv"),
            legacy: read("catalogue/legacy_gbt30428_2.csv"),
            local: read("catalogue/qingdao_local_types.csv"),
            standards: read("catalogue/handling_standards.toml"),
            departments: read("qingdao/departments.csv"),
        }
    }

    fn sources(&self) -> CatalogueSources<'_> {
        CatalogueSources {
            types: &self.types,
            legacy: &self.legacy,
            local: &self.local,
            standards: &self.standards,
            departments: &self.departments,
        }
    }
}

fn repo() -> Catalogue {
    let files = RepoFiles::read();
    match Catalogue::from_sources(&files.sources()) {
        Ok(c) => c,
        Err(e) => panic!("repository catalogue does not load: {e}"),
    }
}

fn key(kind: TypeKind, code: &str) -> TypeKey {
    TypeKey { kind, code: code.to_owned() }
}

fn matter(code: &str) -> TypeKey {
    key(TypeKind::Matter, code)
}

fn component(code: &str) -> TypeKey {
    key(TypeKind::Component, code)
}

/// `label amount unit` of every tier, e.g. `一般 4 working_hours`.
fn tiers(s: &HandlingStandard) -> Vec<String> {
    s.deadlines()
        .iter()
        .map(|t| {
            format!(
                "{} {} {}",
                t.label,
                t.limit.amount,
                serde_json::to_value(t.limit.unit).unwrap().as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn repository_catalogue_has_the_standard_and_local_counts() {
    let c = repo();
    assert_eq!(c.gbt_types(TypeKind::Component).count(), 153);
    assert_eq!(c.gbt_types(TypeKind::Matter).count(), 250);
    assert_eq!(c.qingdao_local().len(), 218);
    let local_kinds: HashMap<TypeKind, usize> = c.qingdao_local().iter().fold(HashMap::new(), |mut m, t| {
        *m.entry(t.key().kind).or_default() += 1;
        m
    });
    assert_eq!(local_kinds[&TypeKind::Component], 114);
    assert_eq!(local_kinds[&TypeKind::Matter], 104);
    assert_eq!(c.len(), 403 + 218);

    let local_classes: Vec<_> = c.classes().iter().filter(|k| k.scheme == Scheme::QingdaoLocal).collect();
    assert_eq!(local_classes.len(), 12);
    assert_eq!(local_classes.iter().filter(|k| k.kind == TypeKind::Component).count(), 6);
    assert_eq!(local_classes.iter().map(|k| k.type_count).sum::<usize>(), 218);
    let gbt_classes: Vec<_> = c.classes().iter().filter(|k| k.scheme == Scheme::Gbt47678).collect();
    assert_eq!(gbt_classes.len(), 5 + 10);
    let class_06 = gbt_classes.iter().find(|k| k.kind == TypeKind::Matter && k.code == "06").unwrap();
    assert_eq!((class_06.name.as_str(), class_06.type_count), ("市容环境类", 51));
    assert_eq!(c.in_class(Scheme::Gbt47678, TypeKind::Matter, "09").count(), 21);

    let local_class_names: Vec<String> =
        local_classes.iter().map(|k| format!("{} {} {}", k.kind.zh(), k.code, k.name)).collect();
    assert_eq!(
        local_class_names,
        [
            "部件 01 公用设施",
            "部件 02 道路交通",
            "部件 03 市容环境",
            "部件 04 园林绿化",
            "部件 05 房屋土地",
            "部件 06 其他设施",
            "事项 01 市容环境",
            "事项 02 宣传广告",
            "事项 03 施工管理",
            "事项 04 突发事件",
            "事项 05 街面秩序",
            "事项 06 其他事件",
        ]
    );
    assert_eq!(c.in_class(Scheme::QingdaoLocal, TypeKind::Matter, "04").count(), 14);

    assert_eq!(c.video_ai_types().count(), 25);
    let ai: HashSet<&str> = c.video_ai_types().map(Category::name).collect();
    for name in ["占道经营", "店外经营", "沿街晾挂", "暴露垃圾", "工地扬尘", "道路积水", "井盖缺失破损"]
    {
        assert!(ai.contains(name), "{name} should be a video-AI type");
    }
}

#[test]
fn every_type_has_a_complete_standard_with_a_real_city_department() {
    let files = RepoFiles::read();
    let c = Catalogue::from_sources(&files.sources()).unwrap();
    // Read departments.csv independently of the loader.
    let mut lines = files.departments.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (code_col, level_col) = (col("code"), col("level"));
    let levels: HashMap<&str, &str> =
        lines.map(|l| l.split(',').collect::<Vec<_>>()).map(|f| (f[code_col], f[level_col])).collect();
    assert_eq!(levels.len(), 53);

    for t in c.iter() {
        let s = t.standard();
        assert!(!s.deadlines().is_empty(), "{:?} has no deadline tier", t.key());
        assert!(s.deadlines().iter().all(|d| d.limit.amount > 0), "{:?}", t.key());
        assert_eq!(levels.get(s.department()), Some(&"city"), "{:?}: department {}", t.key(), s.department());
        assert!(!s.register_condition().is_empty() && !s.close_condition().is_empty());
        assert!(s.derived() && !s.basis().is_empty(), "{:?} must be labelled derived with a basis", t.key());
        let clock = s
            .deadlines()
            .iter()
            .all(|d| matches!(d.limit.unit, TimeUnit::ClockHours | TimeUnit::ClockMinutes));
        assert_eq!(clock, s.urgent(), "{:?}: urgent types count clock time", t.key());
    }
    for t in c.qingdao_local() {
        let target = c.get(t.maps_to().unwrap()).unwrap();
        assert_eq!(target.scheme(), Scheme::Gbt47678);
        assert_eq!(t.standard_key(), target.key());
        assert!(t.derived());
        assert_eq!(t.key().code.len(), 4);
    }
    // Components and their 〈部件〉异常 matters share one standard.
    for comp in c.gbt_types(TypeKind::Component) {
        let m = c.get(&matter(&comp.key().code)).unwrap();
        assert_eq!(m.name(), format!("{}异常", comp.name()));
        assert_eq!(m.standard(), comp.standard());
    }
}

#[test]
fn known_types_carry_the_values_of_the_sources() {
    let c = repo();
    let cover = c.get(&component("01001")).unwrap();
    assert_eq!(
        (cover.name(), cover.class_name(), cover.legacy_code()),
        ("供水井盖", "市政公用设施", Some("0101"))
    );
    assert!(cover.standard().urgent());
    assert_eq!(cover.standard().department(), "370200-D11");
    assert_eq!(cover.standard().function(), "water");
    assert_eq!(
        cover.standard().default_tier().unwrap().limit,
        TimeLimitDto { amount: 2, unit: TimeUnit::ClockHours }
    );

    let exposed = c.standard(&matter("06010")).unwrap();
    assert_eq!(
        tiers(exposed),
        ["一般 4 working_hours", "重点区域 2 working_hours", "大量（需机械清运） 1 working_days"]
    );
    assert_eq!(exposed.function(), "sanitation");
    assert!(exposed.basis().contains("domain.md §4"));
    assert_eq!(
        tiers(c.standard(&matter("06001")).unwrap()),
        [
            "停工 4 working_hours",
            "处罚 7 working_days",
            "拆除 15 working_days",
            "拆除（结构复杂） 20 working_days"
        ]
    );
    assert_eq!(
        tiers(c.standard(&matter("06012")).unwrap()),
        ["一般 5 working_hours", "重点区域 2 working_hours"]
    );
    assert_eq!(tiers(c.standard(&component("04013")).unwrap()), ["补植 5 working_days"]);
    let lamp = c.standard(&component("01037")).unwrap();
    assert_eq!(
        lamp.tier("连续3盏及以上不亮").unwrap().limit,
        TimeLimitDto { amount: 1, unit: TimeUnit::WorkingDays }
    );

    // A local type inherits the standard of the type it maps to ...
    let local_exposed = c.get(&matter("0102")).unwrap();
    assert_eq!((local_exposed.name(), local_exposed.maps_to()), ("暴露垃圾", Some(&matter("06010"))));
    assert_eq!(local_exposed.standard(), exposed);
    assert!(local_exposed.video_ai());
    // ... unless it overrides it.
    let burst = c.get(&matter("0402")).unwrap();
    assert_eq!(burst.mapping_match(), Some(MappingMatch::Nearest));
    assert!(burst.standard().urgent());
    assert_eq!(burst.standard().department(), "370200-D11");
    assert_ne!(burst.standard(), c.standard(burst.maps_to().unwrap()).unwrap());

    let named: Vec<&TypeKey> = c.by_name("暴露垃圾").map(Category::key).collect();
    assert_eq!(named, [&matter("06010"), &matter("0102")]);
    assert!(c.functions().iter().any(|f| f == "drainage") && c.functions().iter().any(|f| f == "general"));

    let legacy = c.legacy(TypeKind::Component, "0101").unwrap();
    assert_eq!((legacy.name.as_str(), legacy.confidence), ("上水井盖", LegacyConfidence::Stated));
    assert_eq!(legacy.new_key, Some(component("01001")));
    assert_eq!(c.legacy(TypeKind::Matter, "0401").unwrap().new_key, None);
    assert_eq!(c.get(&matter("10001")).unwrap().legacy_code(), Some("0407"));
}

#[test]
fn local_codes_that_reuse_a_legacy_code_map_like_the_legacy_code() {
    let c = repo();
    let mut shared = 0;
    for legacy in c.legacy_codes() {
        let Some(local) = c.get(&key(legacy.kind, &legacy.code)) else { continue };
        shared += 1;
        if let Some(new_key) = &legacy.new_key {
            assert_eq!(local.maps_to(), Some(new_key), "local {} vs legacy {}", local.name(), legacy.name);
        }
    }
    assert_eq!(shared, c.legacy_codes().len(), "every legacy code is reused by the local list");
}

#[test]
fn categories_convert_to_the_wire_form() {
    let c = repo();
    let dto = c.get(&matter("06010")).unwrap().to_dto();
    assert_eq!(dto.key, matter("06010"));
    assert_eq!((dto.class_code.as_str(), dto.class_name.as_str()), ("06", "市容环境类"));
    assert_eq!(dto.deadlines.len(), 3);
    assert_eq!(dto.deadlines[1].label, "重点区域");
    assert_eq!(dto.deadlines[1].limit, TimeLimitDto { amount: 2, unit: TimeUnit::WorkingHours });
    assert_eq!(dto.department_code, "370200-D01");
    assert!(dto.derived && !dto.qingdao_local && !dto.urgent && dto.maps_to.is_none());

    let local = c.get(&matter("0408")).unwrap().to_dto();
    assert!(local.qingdao_local && local.video_ai && local.urgent && local.derived);
    assert_eq!(local.maps_to, Some(matter("01023")));
    assert_eq!(local.legacy_code, None);

    let all = c.to_dto();
    assert_eq!(all.len(), 621);
    let json = serde_json::to_string(&all[0]).unwrap();
    let back: CategoryDto = serde_json::from_str(&json).unwrap();
    assert_eq!(back, all[0]);
}

#[cfg(feature = "embedded-catalogue")]
#[test]
fn embedded_sources_are_the_repository_files() {
    let files = RepoFiles::read();
    let embedded = CatalogueSources::embedded();
    assert_eq!(embedded.standards, files.standards);
    assert_eq!(embedded.local, files.local);
    assert_eq!(Catalogue::from_sources(&embedded).unwrap().len(), 621);
}

// ───────────── validation: one malformed fixture per error ─────────────

const TYPES: &str = "\
kind,code,class_code,class_name,name
component,01001,01,市政公用设施,供水井盖
matter,01001,01,市政公用设施类,供水井盖异常
matter,06010,06,市容环境类,暴露垃圾
";

const LEGACY: &str = "\
kind,legacy_code,legacy_name,new_code,confidence
component,0101,上水井盖,01001,stated
matter,0401,路面塌陷,,recalled
";

const LOCAL: &str = "\
kind,code,class_code,class_name,name,standard_kind,standard_code,match,video_ai,derived
component,0101,01,公用设施,上水井盖,component,01001,same,false,true
matter,0102,01,市容环境,暴露垃圾,matter,06010,same,true,true
";

const DEPARTMENTS: &str = "\
code,name,level,district_code,functions,real_name
370200-D01,青岛市城市管理局,city,,sanitation;municipal;greening,true
370200-D11,青岛水务集团有限公司,city,,water,true
370202-D01,市南区城市管理局,district,370202,sanitation;municipal;greening,false
";

const STANDARDS: &str = r#"[template.manhole]
urgent = true
deadlines = [{ label = "缺失", amount = 2, unit = "clock_hours" }]

[[class]]
kinds = ["component", "matter"]
class = "01"
register_condition = "部件破损"
close_condition = "修复"
deadlines = [{ label = "一般", amount = 3, unit = "working_days" }]
function = "municipal"
department = "370200-D01"
urgent = false
derived = true
basis = "class 01"

[[class]]
kinds = ["matter"]
class = "06"
register_condition = "有垃圾"
close_condition = "清除"
deadlines = [{ label = "一般", amount = 1, unit = "working_days" }]
function = "sanitation"
department = "370200-D01"
urgent = false
derived = true
basis = "class 06"

[[type]]
kinds = ["component", "matter"]
codes = ["01001"]
use = "manhole"
function = "water"
department = "370200-D11"
derived = true
basis = "type 01001"

[[local]]
kinds = ["matter"]
codes = ["0102"]
deadlines = [{ label = "一般", amount = 4, unit = "working_hours" }]
derived = true
basis = "local 0102"
"#;

/// Loads the fixture with `from` replaced by `to` in one file.
fn load_with(file: SourceFile, from: &str, to: &str) -> Result<Catalogue> {
    let patch = |which: SourceFile, text: &str| -> String {
        if which != file {
            return text.to_owned();
        }
        assert!(text.contains(from), "fixture {file} does not contain {from:?}");
        text.replacen(from, to, 1)
    };
    let types = patch(SourceFile::Types, TYPES);
    let legacy = patch(SourceFile::Legacy, LEGACY);
    let local = patch(SourceFile::Local, LOCAL);
    let standards = patch(SourceFile::Standards, STANDARDS);
    let departments = patch(SourceFile::Departments, DEPARTMENTS);
    Catalogue::from_sources(&CatalogueSources {
        types: &types,
        legacy: &legacy,
        local: &local,
        standards: &standards,
        departments: &departments,
    })
}

#[track_caller]
fn check_error(file: SourceFile, from: &str, to: &str, expect: &str) {
    match load_with(file, from, to) {
        Ok(_) => panic!("expected the error {expect:?}, but the fixture loaded"),
        Err(e) => assert_eq!(e.to_string(), expect),
    }
}

#[test]
fn the_unmodified_fixture_loads_with_layered_standards() {
    let c = load_with(SourceFile::Types, "", "").unwrap();
    assert_eq!(c.len(), 5);
    let cover = c.standard(&component("01001")).unwrap();
    assert_eq!(tiers(cover), ["缺失 2 clock_hours"]);
    assert_eq!(
        (cover.register_condition(), cover.department(), cover.basis()),
        ("部件破损", "370200-D11", "type 01001")
    );
    assert_eq!(c.standard(&component("0101")).unwrap(), cover);
    let local = c.standard(&matter("0102")).unwrap();
    assert_eq!(
        (tiers(local), local.register_condition(), local.basis()),
        (vec!["一般 4 working_hours".to_owned()], "有垃圾", "local 0102")
    );
}

#[test]
fn malformed_sources_are_rejected_naming_file_line_and_field() {
    use SourceFile::*;
    let cases: &[(SourceFile, &str, &str, &str)] = &[
        (
            Types,
            "matter,06010,06",
            "matter,6010,06",
            "gbt47678_5_2026_types.csv:4: field `code`: `6010` is not a 5-digit GB/T 47678.5 code",
        ),
        (
            Types,
            "matter,06010,06,",
            "matter,06010,07,",
            "gbt47678_5_2026_types.csv:4: field `class_code`: `07`: the code does not start with its class code",
        ),
        (
            Types,
            "市政公用设施类,供水井盖异常\n",
            "市政公用设施类,供水井盖异常\nmatter,01001,01,市政公用设施类,重复\n",
            "gbt47678_5_2026_types.csv:4: duplicate matter 01001 (first given on line 3)",
        ),
        (
            Local,
            "same,true,true\n",
            "same,true,true\nmatter,0103,01,市容,积存垃圾,matter,06010,same,false,true\n",
            "qingdao_local_types.csv:4: field `class_name`: `市容`: differs from the name given to this class on an earlier row",
        ),
        (
            Local,
            "matter,0102,01,市容环境,暴露垃圾,matter,06010",
            "matter,102,01,市容环境,暴露垃圾,matter,06010",
            "qingdao_local_types.csv:3: field `code`: `102` is not a 4-digit local code (2-digit class + 2-digit type)",
        ),
        (
            Local,
            "matter,06010,same",
            "matter,06099,same",
            "qingdao_local_types.csv:3: field `standard_code`: no such GB/T 47678.5 type `matter 06099`",
        ),
        (
            Local,
            "same,true,true",
            "same,yes,true",
            "qingdao_local_types.csv:3: field `video_ai`: provided string was not `true` or `false`",
        ),
        (
            Legacy,
            "stated",
            "guessed",
            "legacy_gbt30428_2.csv:2: field `confidence`: unknown variant `guessed`, expected `stated` or `recalled`",
        ),
        (
            Legacy,
            "上水井盖,01001",
            "上水井盖,01999",
            "legacy_gbt30428_2.csv:2: field `new_code`: no such GB/T 47678.5 type `component 01999`",
        ),
        (
            Standards,
            "department = \"370200-D11\"",
            "department = \"370200-D99\"",
            "handling_standards.toml:29: field `department`: unknown department `370200-D99`",
        ),
        (
            Standards,
            "department = \"370200-D11\"",
            "department = \"370202-D01\"",
            "handling_standards.toml:29: field `department`: `370202-D01` is not a city-level department",
        ),
        (
            Standards,
            "function = \"water\"",
            "function = \"plumbing\"",
            "handling_standards.toml:29: field `function`: unknown function `plumbing`",
        ),
        (
            Standards,
            "department = \"370200-D11\"",
            "department = \"370200-D01\"",
            "handling_standards.toml:29: component 01001: department `370200-D01` does not carry function `water`",
        ),
        (
            Standards,
            "amount = 4",
            "amount = 0",
            "handling_standards.toml:38: deadline tier `一般` has a zero amount",
        ),
        (
            Standards,
            "\"clock_hours\"",
            "\"working_hours\"",
            "handling_standards.toml:29: component 01001: deadline tier `缺失` counts 工作时 but the type is urgent (clock time)",
        ),
        (
            Standards,
            "use = \"manhole\"",
            "use = \"hole\"",
            "handling_standards.toml:29: field `use`: no such template `hole`",
        ),
        (
            Standards,
            "class = \"06\"",
            "class = \"07\"",
            "handling_standards.toml:17: field `class`: no such class `matter 07`",
        ),
        (
            Standards,
            "codes = [\"0102\"]",
            "codes = [\"0103\"]",
            "handling_standards.toml:38: field `codes`: no such local type `matter 0103`",
        ),
        (
            Standards,
            "codes = [\"01001\"]",
            "codes = [\"01001\", \"06010\"]",
            "handling_standards.toml:29: field `codes`: no such GB/T 47678.5 type `component 06010`",
        ),
        (
            Standards,
            "basis = \"local 0102\"",
            "bassis = \"local 0102\"",
            "handling_standards.toml:43: unknown field `bassis`, expected one of `kinds`, `class`, `codes`, `use`, `register_condition`, `close_condition`, `deadlines`, `function`, `department`, `urgent`, `derived`, `basis`",
        ),
        (
            Standards,
            "derived = true\nbasis = \"local 0102\"",
            "basis = \"local 0102\"",
            "handling_standards.toml:38: field `derived` is required",
        ),
        (
            Standards,
            "kinds = [\"matter\"]\nclass = \"06\"",
            "kinds = [\"component\"]\nclass = \"01\"",
            "handling_standards.toml:17: duplicate class default for component 01 (first given on line 5)",
        ),
        (
            Standards,
            "register_condition = \"有垃圾\"\n",
            "",
            "gbt47678_5_2026_types.csv:4: matter 06010 暴露垃圾: no entry of handling_standards.toml sets `register_condition`",
        ),
        (
            Standards,
            "[template.manhole]\n",
            "[template.manhole]\ncodes = [\"01001\"]\n",
            "handling_standards.toml:1: field `codes` is not allowed here: a template applies to no type by itself and uses no other template",
        ),
        (
            Standards,
            "class = \"06\"",
            "class = \"06\"\nuse = \"manhole\"",
            "handling_standards.toml:17: field `use` is not allowed here: a class default applies to a whole class and uses no template",
        ),
        (Standards, "codes = [\"0102\"]", "", "handling_standards.toml:38: field `codes` is required"),
        (
            Standards,
            "amount = 4, unit = \"working_hours\" }]",
            "amount = 4, unit = \"working_hours\" }, { label = \"一般\", amount = 2, unit = \"working_hours\" }]",
            "handling_standards.toml:38: duplicate deadline tier `一般` (first given on line 38)",
        ),
        (
            Standards,
            "deadlines = [{ label = \"一般\", amount = 4, unit = \"working_hours\" }]",
            "deadlines = []",
            "handling_standards.toml:38: field `deadlines` is required",
        ),
        (
            Standards,
            "unit = \"working_hours\"",
            "unit = \"fortnights\"",
            "handling_standards.toml:41: unknown variant `fortnights`, expected one of `working_hours`, `working_days`, `clock_hours`, `clock_minutes`",
        ),
        (
            Types,
            "matter,06010,06,市容环境类",
            "event,06010,06,市容环境类",
            "gbt47678_5_2026_types.csv:4: field `kind`: unknown variant `event`, expected `component` or `matter`",
        ),
        (
            Departments,
            "370200-D11,青岛水务集团有限公司,city",
            "370200-D11,青岛水务集团有限公司,town",
            "departments.csv:3: field `level`: unknown variant `town`, expected `city` or `district`",
        ),
    ];
    for (file, from, to, expect) in cases {
        check_error(*file, from, to, expect);
    }
}
