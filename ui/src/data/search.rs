//! Search and filter: the search box (a case id or number, a camera id, or free text: places of
//! the base map and the service's case search), the filter panel's filter and its results, and
//! the export of the filtered cases — each an `Action` whose outcome the app applies.

use cityops_api::endpoint::Empty;
use cityops_api::query::{CameraPath, FeatureFormat, IdPath};
use cityops_api::{CaseDto, LayerKind, ep};
use cityops_client::ClientError;
use leptos::prelude::*;

use super::Data;
use super::link::Link;
use super::map::MapData;
use crate::state::{CaseFilter, PlaceHit, PlaceKind, SearchKind, classify_search};

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Places (districts, streets, communities, place names, a camera).
    pub places: Vec<PlaceHit>,
    /// Cases.
    pub cases: Vec<CaseDto>,
    /// Whether a camera was found (its layer is switched on).
    pub camera: bool,
    /// The case a case id named (selected at once).
    pub by_id: Option<CaseDto>,
}

/// Search and filter state.
#[derive(Clone, Copy)]
pub struct Search {
    /// The filter of the filter panel.
    pub filter: RwSignal<CaseFilter>,
    /// Cases found (search or filter).
    pub results: RwSignal<Vec<CaseDto>>,
    /// Places found.
    pub places: RwSignal<Vec<PlaceHit>>,
    /// Run a search.
    pub search: Action<String, Result<Found, ClientError>>,
    /// Apply a filter.
    pub apply: Action<CaseFilter, Result<Vec<CaseDto>, ClientError>>,
    /// Export the filtered cases.
    pub export: Action<FeatureFormat, Result<String, ClientError>>,
}

impl Search {
    pub(super) fn new(link: Link, map: MapData) -> Self {
        let filter = RwSignal::new(CaseFilter::default());
        let search = Action::new_local(move |text: &String| {
            let (kind, backend) = (classify_search(text), link.backend.get_untracked());
            async move {
                let mut found = Found { places: Vec::new(), cases: Vec::new(), camera: false, by_id: None };
                let Some(kind) = kind else { return Ok(found) };
                let text = match &kind {
                    SearchKind::CaseId(id) => {
                        found.by_id = Some(backend.get::<ep::GetCase>(&IdPath { id: *id }, &Empty {}).await?);
                        return Ok(found);
                    }
                    SearchKind::CaseNo(t) | SearchKind::Camera(t) | SearchKind::Address(t) => t.clone(),
                };
                if let SearchKind::Address(a) = &kind {
                    found.places = map.find_places(a, 20);
                }
                if let SearchKind::Camera(cam) = &kind {
                    let c = backend.get::<ep::Camera>(&CameraPath { id: cam.clone() }, &Empty {}).await?;
                    found.places.push(PlaceHit {
                        kind: PlaceKind::Camera,
                        name: c.id,
                        code: None,
                        lon: c.lon,
                        lat: c.lat,
                    });
                    found.camera = true;
                }
                // Cases whose number, address, description or camera match (the service's `q`).
                let q = CaseFilter { text: Some(text), ..Default::default() }.query(50);
                found.cases = match backend.get::<ep::ListCases>(&Empty {}, &q).await {
                    Ok(page) => page.items,
                    Err(ClientError::NotConfigured) => Vec::new(),
                    Err(e) => return Err(e),
                };
                Ok(found)
            }
        });
        let apply = Action::new_local(move |f: &CaseFilter| {
            let (q, backend) = (f.query(50), link.backend.get_untracked());
            async move { backend.get::<ep::ListCases>(&Empty {}, &q).await.map(|p| p.items) }
        });
        let export = Action::new_local(move |format: &FeatureFormat| {
            let (q, backend) = (filter.get_untracked().export(*format), link.backend.get_untracked());
            async move { backend.export_cases(&q).await }
        });
        Search {
            filter,
            results: RwSignal::new(Vec::new()),
            places: RwSignal::new(Vec::new()),
            search,
            apply,
            export,
        }
    }

    /// Forget the results (another service).
    pub(super) fn clear(&self) {
        self.results.set(Vec::new());
        self.places.set(Vec::new());
    }
}

/// Apply what the actions found: fly there, select, list.
pub(super) fn wire(d: Data) {
    let s = d.search;
    Effect::new(move |_| {
        let Some(result) = s.search.value().get() else { return };
        match result {
            Err(e) => d.error(&e),
            Ok(Found { by_id: Some(c), .. }) => {
                d.fly_to(c.lon, c.lat, 16.0);
                d.sel.select(c.id);
                s.results.set(vec![c]);
            }
            Ok(found) => {
                if found.camera {
                    d.map.layers.update(|l| {
                        l.insert(LayerKind::Cameras);
                    });
                }
                d.map.picture.update(|p| found.cases.iter().for_each(|c| p.note_case(c)));
                if let Some(p) = found.places.first() {
                    d.fly_to(p.lon, p.lat, p.kind.zoom());
                } else if let Some(first) = found.cases.first() {
                    d.fly_to(first.lon, first.lat, if found.cases.len() == 1 { 16.0 } else { 13.0 });
                    if found.cases.len() == 1 {
                        d.sel.select(first.id);
                    }
                }
                s.places.set(found.places);
                s.results.set(found.cases);
                d.ui.show_filters.set(true);
            }
        }
    });
    Effect::new(move |_| {
        let Some(result) = s.apply.value().get() else { return };
        match result {
            Err(e) => d.error(&e),
            Ok(items) => {
                d.map.picture.update(|p| items.iter().for_each(|c| p.note_case(c)));
                // Show all results on the map.
                if let Some(first) = items.first() {
                    let mut b = crate::geo::Bounds {
                        west: first.lon,
                        south: first.lat,
                        east: first.lon,
                        north: first.lat,
                    };
                    for c in &items {
                        b.west = b.west.min(c.lon);
                        b.east = b.east.max(c.lon);
                        b.south = b.south.min(c.lat);
                        b.north = b.north.max(c.lat);
                    }
                    let to = d.map.view.get_untracked().fitting(&b, 16.0);
                    let (lon, lat) = to.center();
                    d.fly_to(lon, lat, to.zoom);
                }
                s.results.set(items);
                s.places.set(Vec::new());
            }
        }
    });
    Effect::new(move |_| {
        let Some(result) = s.export.value().get() else { return };
        match result {
            Err(e) => d.error(&e),
            Ok(where_) => {
                let lang = d.ui.lang.get_untracked();
                d.ui.done(format!("{}: {where_}", crate::i18n::Msg::Exported.text(lang)));
            }
        }
    });
}
