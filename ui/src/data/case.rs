//! The selection: the selected case (its detail, the actions the role allows, the names of its
//! areas, the cameras that see it), or a selected feature or overlay; the dispatch dialog's
//! proposal; and the workflow action (an `Action`: the case it returns updates the picture, the
//! detail and the allowed actions).

use cityops_api::endpoint::Empty;
use cityops_api::query::{IdPath, PointQuery};
use cityops_api::{
    Action as CaseAction, ActionRequest, CameraViewDto, CaseDto, DispatchProposalDto, LayerKind, LocationDto,
    MapItemDto, ep,
};
use cityops_client::ClientError;
use leptos::prelude::*;

use super::link::Link;
use super::{Data, Ui, report};

/// Properties of a selected thematic feature.
pub type Props = serde_json::Map<String, serde_json::Value>;

/// The selection.
#[derive(Clone, Copy)]
pub struct Selection {
    /// The selected case's id.
    pub case: RwSignal<Option<i64>>,
    /// Its detail (with stage history), loaded for the selected id and kept current by live
    /// events and actions.
    pub detail: LocalResource<Option<CaseDto>>,
    /// The actions the operator's role may take on it now.
    pub actions: LocalResource<Vec<CaseAction>>,
    /// Names of its grid, community, street and district.
    pub location: LocalResource<Option<LocationDto>>,
    /// Cameras that can see it (`None`: the lookup failed).
    pub cameras: LocalResource<Option<Vec<CameraViewDto>>>,
    /// A selected non-case feature (truck, camera, facility, alert).
    pub feature: RwSignal<Option<MapItemDto>>,
    /// A selected thematic feature (site, compound, route): its layer and properties.
    pub overlay: RwSignal<Option<(LayerKind, Props)>>,
    /// The case the dispatch dialog is open for.
    pub dispatch_for: RwSignal<Option<i64>>,
    /// The case and action whose fields (reason, new deadline) the action dialog asks for.
    pub asking: RwSignal<Option<(i64, cityops_api::Action)>>,
    /// The dispatch proposal for it.
    pub proposal: LocalResource<Option<DispatchProposalDto>>,
    /// Take a workflow action on a case.
    pub act: Action<(i64, ActionRequest), Result<CaseDto, ClientError>>,
    /// Bumped when the case changed, so its allowed actions are read again.
    changed: RwSignal<u64>,
}

impl Selection {
    pub(super) fn new(ui: Ui, link: Link) -> Self {
        let case = RwSignal::new(None::<i64>);
        let changed = RwSignal::new(0u64);
        let detail = LocalResource::new(move || {
            let (id, backend, _) = (case.get(), link.backend.get(), link.epoch.get());
            async move {
                let id = id?;
                match backend.get::<ep::GetCase>(&IdPath { id }, &Empty {}).await {
                    Ok(c) => Some(c),
                    Err(e) => {
                        report(ui, link, &e);
                        None
                    }
                }
            }
        });
        let actions = LocalResource::new(move || {
            let (id, backend, _, _) = (case.get(), link.backend.get(), link.epoch.get(), changed.get());
            async move {
                match id {
                    Some(id) => {
                        backend.get::<ep::AllowedActions>(&IdPath { id }, &Empty {}).await.unwrap_or_default()
                    }
                    None => Vec::new(),
                }
            }
        });
        let at = move || detail.get().flatten().map(|c| (c.id, c.lon, c.lat));
        let location = LocalResource::new(move || {
            let (at, backend) = (at(), link.backend.get());
            async move {
                let (_, lon, lat) = at?;
                backend.get::<ep::Locate>(&Empty {}, &PointQuery { lon, lat }).await.ok()
            }
        });
        let cameras = LocalResource::new(move || {
            let (at, backend) = (at(), link.backend.get());
            async move {
                let (_, lon, lat) = at?;
                backend.get::<ep::CamerasVisible>(&Empty {}, &PointQuery { lon, lat }).await.ok()
            }
        });
        let dispatch_for = RwSignal::new(None::<i64>);
        let proposal = LocalResource::new(move || {
            let (id, backend) = (dispatch_for.get(), link.backend.get());
            async move {
                let id = id?;
                match backend.get::<ep::DispatchProposal>(&IdPath { id }, &Empty {}).await {
                    Ok(p) => Some(p),
                    Err(e) => {
                        report(ui, link, &e);
                        dispatch_for.set(None);
                        None
                    }
                }
            }
        });
        let act = Action::new_local(move |(id, req): &(i64, ActionRequest)| {
            let (id, req, backend) = (*id, req.clone(), link.backend.get_untracked());
            async move { backend.call::<ep::Act>(&IdPath { id }, &Empty {}, &req).await }
        });
        Selection {
            case,
            detail,
            actions,
            location,
            cameras,
            feature: RwSignal::new(None),
            overlay: RwSignal::new(None),
            dispatch_for,
            asking: RwSignal::new(None),
            proposal,
            act,
            changed,
        }
    }

    /// Select a case: its detail, actions, areas and cameras load.
    pub fn select(&self, id: i64) {
        self.feature.set(None);
        if self.case.get_untracked() == Some(id) {
            self.reload();
        } else {
            self.case.set(Some(id));
        }
    }

    /// Clear every selection.
    pub fn clear(&self) {
        self.case.set(None);
        self.feature.set(None);
        self.overlay.set(None);
        self.dispatch_for.set(None);
        self.asking.set(None);
    }

    /// Read the selected case again (after a reconnect).
    pub fn reload(&self) {
        self.detail.refetch();
        self.changed.update(|n| *n += 1);
    }

    /// The cameras that see the selected case (for drawing their cones), untracked.
    pub fn cameras(&self) -> Vec<CameraViewDto> {
        if self.case.get_untracked().is_none() {
            return Vec::new();
        }
        self.cameras.get_untracked().flatten().unwrap_or_default()
    }

    /// A live event changed case `id`: if it is the selected one, read it again (the event
    /// carries only its mark) and its actions.
    pub fn case_changed(&self, id: i64) {
        if self.case.get_untracked() == Some(id) {
            self.reload();
        }
    }

    /// Open the dispatch dialog for a case (its proposal loads).
    pub fn open_dispatch(&self, id: i64) {
        self.dispatch_for.set(Some(id));
    }
}

/// What an action's answer changes: the case's point on the map, the detail, the actions; the
/// dispatch dialog closes.
pub(super) fn wire(d: Data) {
    Effect::new(move |_| {
        let Some(result) = d.sel.act.value().get() else { return };
        match result {
            Ok(c) => {
                d.map.picture.update(|p| {
                    p.note_case(&c);
                    let class = cityops_api::StatusClass::of_dto(&c);
                    for item in &mut p.items {
                        if let MapItemDto::Point { layer: LayerKind::Cases, id: pid, status, .. } = item
                            && i64::try_from(*pid).ok() == Some(c.id)
                            && let Some(class) = class
                        {
                            *status = class;
                        }
                    }
                });
                if d.sel.case.get_untracked() == Some(c.id) {
                    d.sel.detail.set(Some(Some(c)));
                }
                d.sel.dispatch_for.set(None);
                d.sel.asking.set(None);
                d.sel.changed.update(|n| *n += 1);
            }
            Err(e) => d.error(&e),
        }
    });
    // A loaded case teaches the picture its stage (colour by stage).
    Effect::new(move |_| {
        if let Some(Some(c)) = d.sel.detail.get() {
            d.map.picture.update(|p| p.note_case(&c));
        }
    });
}
