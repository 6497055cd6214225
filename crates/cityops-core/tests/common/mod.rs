//! Shared by the integration tests: the committed Qingdao pack read from `assets/qingdao` on disk
//! (the files themselves, not the `embedded-qingdao` copy), loaded once per test binary.

#![allow(dead_code)]

use std::sync::OnceLock;

use cityops_core::citypack::{CityPack, CityPackSources};

/// The text of a file of `assets/qingdao`.
pub fn read(name: &str) -> String {
    let p = format!("{}/../../assets/qingdao/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// The committed pack.
pub fn pack() -> &'static CityPack {
    static PACK: OnceLock<CityPack> = OnceLock::new();
    PACK.get_or_init(|| {
        let f = [
            "districts.geojson",
            "streets.geojson",
            "communities.geojson",
            "grids.geojson",
            "units.csv",
            "land.geojson",
            "sea.geojson",
            "coastline.geojson",
            "places.geojson",
        ]
        .map(read);
        CityPack::from_sources(&CityPackSources {
            districts_geojson: &f[0],
            streets_geojson: &f[1],
            communities_geojson: &f[2],
            grids_geojson: &f[3],
            units_csv: &f[4],
            land_geojson: &f[5],
            sea_geojson: &f[6],
            coastline_geojson: &f[7],
            places_geojson: &f[8],
        })
        .unwrap_or_else(|e| panic!("the committed pack does not load: {e}"))
    })
}
