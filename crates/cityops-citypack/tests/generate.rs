//! The generator's pure core is deterministic and the committed pack is its current output.
//! Needs the real sources beside the clone (`../shared/data/qingdao`); without them the test
//! prints a notice and checks nothing.

use cityops_citypack::{Inputs, OutputFile, generate};
use std::path::{Path, PathBuf};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/qingdao")
}

fn pack_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/qingdao")
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn run(texts: &[String; 7]) -> Vec<OutputFile> {
    let inputs = Inputs {
        districts: &texts[0],
        land_gshhg: &texts[1],
        places: &texts[2],
        neighbours: &texts[3],
        subdistricts_csv: &texts[4],
        communities_csv: &texts[5],
        departments_csv: &texts[6],
    };
    let mut log = Vec::new();
    let files = generate(&inputs, &mut |l| log.push(l)).unwrap_or_else(|e| panic!("generate: {e}"));
    assert!(log.iter().any(|l| l.ends_with(", 0 grids invalid")), "{log:#?}");
    assert!(log.iter().any(|l| l.ends_with("invalid after rounding: 0")), "{log:#?}");
    files
}

#[test]
fn generating_twice_gives_the_committed_files_byte_for_byte() {
    let q = shared();
    if !q.is_dir() {
        eprintln!("NOTICE: {} is absent; skipping the generator determinism check", q.display());
        return;
    }
    let texts = [
        read(q.join("qingdao_districts.geojson")),
        read(q.join("qingdao_land_gshhg.geojson")),
        read(q.join("qingdao_places_geonames.geojson")),
        read(q.join("neighbor_cities_clipped.geojson")),
        read(q.join("qingdao_subdistricts.csv")),
        read(q.join("qingdao_communities.csv")),
        read(pack_dir().join("departments.csv")),
    ];
    let a = run(&texts);
    let b = run(&texts);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.name, y.name);
        assert!(x.bytes == y.bytes, "{} differs between two runs", x.name);
    }
    for f in &a {
        let committed = std::fs::read(pack_dir().join(&f.name)).unwrap_or_default();
        assert!(
            committed == f.bytes,
            "assets/qingdao/{} is stale: rerun `cargo run -p cityops-citypack --release -- --shared ../shared/data --out assets/qingdao`",
            f.name
        );
    }
}
