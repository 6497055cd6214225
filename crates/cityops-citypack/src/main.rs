//! `cityops-citypack --shared DIR --out DIR`: reads the real Qingdao sources under
//! `DIR/qingdao` and `OUT/departments.csv`, writes the city pack into `OUT`.

use anyhow::{Context, bail};
use cityops_citypack::{Inputs, generate};
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut shared = None;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--shared" => shared = args.next().map(PathBuf::from),
            "--out" => out = args.next().map(PathBuf::from),
            other => bail!("unknown argument {other}; usage: --shared DIR --out DIR"),
        }
    }
    let (Some(shared), Some(out)) = (shared, out) else { bail!("usage: --shared DIR --out DIR") };
    let q = shared.join("qingdao");
    let read = |p: PathBuf| std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()));
    let districts = read(q.join("qingdao_districts.geojson"))?;
    let land_gshhg = read(q.join("qingdao_land_gshhg.geojson"))?;
    let places = read(q.join("qingdao_places_geonames.geojson"))?;
    let neighbours = read(q.join("neighbor_cities_clipped.geojson"))?;
    let subdistricts_csv = read(q.join("qingdao_subdistricts.csv"))?;
    let communities_csv = read(q.join("qingdao_communities.csv"))?;
    let departments_csv = read(out.join("departments.csv"))?;
    let inputs = Inputs {
        districts: &districts,
        land_gshhg: &land_gshhg,
        places: &places,
        neighbours: &neighbours,
        subdistricts_csv: &subdistricts_csv,
        communities_csv: &communities_csv,
        departments_csv: &departments_csv,
    };
    let start = std::time::Instant::now();
    let files = generate(&inputs, &mut |line| eprintln!("[{:>6.1}s] {line}", start.elapsed().as_secs_f64()))?;
    std::fs::create_dir_all(&out)?;
    for f in files {
        let p = out.join(&f.name);
        std::fs::write(&p, &f.bytes).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("wrote {} ({} bytes)", p.display(), f.bytes.len());
    }
    Ok(())
}
