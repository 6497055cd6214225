//! Reference data for names on screen: units, the type catalogue, and the districts of the base
//! map (for the filter panel). Loaded once per service.

use cityops_api::endpoint::Empty;
use cityops_api::{CategoryDto, UnitDto, ep};
use leptos::prelude::*;

use super::Ui;
use super::link::Link;

/// A district for the filter panel: adcode, Chinese and English names.
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    /// GB/T 2260 code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
}

/// Reference data.
#[derive(Clone, Copy)]
pub struct Reference {
    /// Units (names in the detail panel).
    pub units: LocalResource<Vec<UnitDto>>,
    /// The catalogue (type names).
    pub catalogue: LocalResource<Vec<CategoryDto>>,
    /// Districts of the base map.
    pub districts: RwSignal<Vec<District>>,
}

impl Reference {
    pub(super) fn new(_ui: Ui, link: Link) -> Self {
        let units = LocalResource::new(move || {
            let (backend, _) = (link.backend.get(), link.epoch.get());
            async move { backend.get::<ep::Units>(&Empty {}, &Empty {}).await.unwrap_or_default() }
        });
        let catalogue = LocalResource::new(move || {
            let (backend, _) = (link.backend.get(), link.epoch.get());
            async move { backend.get::<ep::Catalogue>(&Empty {}, &Empty {}).await.unwrap_or_default() }
        });
        Reference { units, catalogue, districts: RwSignal::new(Vec::new()) }
    }

    /// The districts of a prepared base layer.
    pub fn set_districts(&self, shapes: &[crate::geojson::Shape]) {
        let mut ds: Vec<District> = shapes
            .iter()
            .filter_map(|s| {
                Some(District {
                    code: s.code.clone()?,
                    name: s.name.clone().unwrap_or_default(),
                    name_en: s.name_en.clone().unwrap_or_default(),
                })
            })
            .collect();
        ds.sort_by(|a, b| a.code.cmp(&b.code));
        self.districts.set(ds);
    }

    /// Name of a type code (tracked).
    pub fn type_name(&self, code: &str) -> Option<String> {
        self.catalogue.get()?.iter().find(|x| x.key.code == code).map(|x| x.name.clone())
    }

    /// Name of a unit (tracked; the code when unknown).
    pub fn unit_name(&self, code: &str) -> String {
        self.units
            .get()
            .and_then(|u| u.iter().find(|x| x.code == code).map(|x| x.name.clone()))
            .unwrap_or_else(|| code.to_owned())
    }
}
