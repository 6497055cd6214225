//! The static map layers of the city, built once at start: base layers (land, sea, coastline,
//! places), the administrative layers (districts; synthetic streets and communities), the unit
//! grids by area, and the operations layers (synthetic compounds, routes, facilities, sites). Each
//! is served as GeoJSON or FlatGeobuf (written through geozero).

use std::collections::HashMap;
use std::sync::Arc;

use cityops_core::formats::{Feature, read_geojson, write_flatgeobuf, write_geojson};

use crate::city::City;

/// The layer names, in the order the document lists them.
pub const NAMES: &[&str] = &[
    "land",
    "sea",
    "coastline",
    "districts",
    "streets",
    "communities",
    "grids",
    "places",
    "compounds",
    "routes",
    "facilities",
    "sites",
];

/// The static layers as GeoJSON text, built once at start.
#[derive(Debug, Clone, Default)]
pub struct StaticLayers(Arc<HashMap<&'static str, String>>);

impl StaticLayers {
    /// Build every static layer of the city.
    pub fn build(city: &City) -> Result<Self, cityops_core::formats::FormatError> {
        let org = &city.pack.organisation;
        let base = &city.pack.basemap;
        let mut m = HashMap::new();
        let synthetic = |f: Feature| f.with("synthetic", true);
        m.insert(
            "districts",
            write_geojson(
                "districts",
                &org.districts()
                    .iter()
                    .map(|d| {
                        Feature::new(d.polygon.clone())
                            .with("adcode", d.code.as_str())
                            .with("name", d.name.as_str())
                            .with("name_en", d.name_en.as_str())
                            .with("synthetic", false)
                            .with("source", "天地图 (Tianditu)")
                    })
                    .collect::<Vec<_>>(),
            )?,
        );
        m.insert(
            "streets",
            write_geojson(
                "streets",
                &org.streets()
                    .iter()
                    .map(|s| {
                        synthetic(Feature::new(s.polygon.clone()))
                            .with("code", s.code.as_str())
                            .with("name", s.name.as_str())
                            .with("district_code", s.code.get(..6).unwrap_or_default())
                    })
                    .collect::<Vec<_>>(),
            )?,
        );
        m.insert(
            "communities",
            write_geojson(
                "communities",
                &org.communities()
                    .iter()
                    .map(|c| {
                        synthetic(Feature::new(c.polygon.clone()))
                            .with("code", c.code.as_str())
                            .with("name", c.name.as_str())
                    })
                    .collect::<Vec<_>>(),
            )?,
        );
        m.insert(
            "land",
            write_geojson(
                "land",
                &[Feature::new(base.land.clone()).with("source", "GSHHG 2.3.7 (LGPL-3+)")],
            )?,
        );
        m.insert(
            "sea",
            write_geojson(
                "sea",
                &[Feature::new(base.sea.clone()).with("source", "© OpenStreetMap contributors (ODbL)")],
            )?,
        );
        m.insert(
            "coastline",
            write_geojson(
                "coastline",
                &[Feature::new(base.coastline.clone()).with("source", "© OpenStreetMap contributors (ODbL)")],
            )?,
        );
        m.insert(
            "places",
            write_geojson(
                "places",
                &base
                    .places
                    .iter()
                    .map(|p| {
                        Feature::new(p.point)
                            .with("name", p.name.as_str())
                            .with("name_zh", p.name_zh.clone().unwrap_or_default())
                            .with("feature_code", p.feature_code.as_str())
                            .with("source", "GeoNames (CC BY 4.0)")
                    })
                    .collect::<Vec<_>>(),
            )?,
        );
        // Operations layers ship as GeoJSON already (synthetic, labelled in their properties).
        let ops = cityops_core::citypack::ops::OpsSources::qingdao();
        m.insert("compounds", ops.compounds_geojson.to_owned());
        m.insert("routes", ops.routes_geojson.to_owned());
        m.insert("facilities", ops.facilities_geojson.to_owned());
        m.insert("sites", ops.sites_geojson.to_owned());
        Ok(Self(Arc::new(m)))
    }

    /// One layer's GeoJSON.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// One layer as FlatGeobuf (with its spatial index), from its GeoJSON.
pub fn flatgeobuf(name: &str, geojson: &str) -> Result<Vec<u8>, cityops_core::formats::FormatError> {
    write_flatgeobuf(name, &read_geojson(geojson)?)
}

/// The unit grids under an area code prefix ("" = the whole city) as features.
pub fn grids(city: &City, area: &str) -> Vec<Feature> {
    city.pack
        .organisation
        .grids()
        .iter()
        .filter(|g| g.code.starts_with(area))
        .map(|g| {
            Feature::new(g.polygon.clone())
                .with("code", g.code.as_str())
                .with("unit_code", g.unit_code.as_str())
                .with("area_m2", g.area_m2.round())
                .with("synthetic", g.synthetic)
        })
        .collect()
}
